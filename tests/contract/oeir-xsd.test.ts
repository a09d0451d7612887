import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { bodyPayload as payloadOf } from '../../integrations/oeir/sandbox/schema-check.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';

const bodyPayload = (envelope: string): string => {
  const payload = payloadOf(envelope);
  if (payload === null) throw new Error('no SOAP body');
  return payload;
};

/**
 * Every request the ØiR client sends is checked by libxml2 (xmllint, as WebAssembly) against the
 * service schema and Serviceplatformen's own context schemas (the copies beside the WSDL).
 */
const wsdlDir = (file: string): string =>
  fileURLToPath(new URL(`../../integrations/oeir/wsdl/${file}`, import.meta.url));
const schema = {
  fileName: 'DebitorIndbetalingAfsend_1.xsd',
  contents: readFileSync(wsdlDir('DebitorIndbetalingAfsend_1.xsd'), 'utf8'),
};
const preload = ['AuthorityContext_1.xsd', 'InvocationContext_1.xsd'].map((fileName) => ({
  fileName,
  contents: readFileSync(wsdlDir(fileName), 'utf8'),
}));

async function validate(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: { fileName: 'request.xml', contents: xml }, schema, preload });
  return result.errors.map((e) => e.message);
}

let f: OeirFixture;
let zeroLine: unknown;
beforeAll(async () => {
  f = await startOeirFixture();
  const authority = await f.client();
  const invocation = await f.client({
    context: {
      kind: 'invocation',
      // As a technician may type them (the schema's UUIDType is lower-case only).
      serviceAgreementUuid: randomUUID().toUpperCase(),
      userSystemUuid: randomUUID().toUpperCase(),
      userUuid: randomUUID(),
      serviceUuid: randomUUID().toUpperCase(),
    },
  });
  const pay = (feeIds: string[], place?: string) => ({
    paymentId: randomUUID(),
    amountOre: feeIds.length * 100,
    paidAt: new Date().toISOString(),
    terminalTransactionRef: 'TX-1',
    ...(place ? { place } : {}),
    claims: feeIds.map((feeId) => ({ feeId, amountOre: 100 })),
  });
  await authority.foretagIndbetaling(pay(['7002'], 'Kiosk 1'));
  await authority.foretagIndbetaling(pay(['7002', '6001']));
  await invocation.foretagIndbetaling({ ...pay(['6001']), paymentId: randomUUID().toUpperCase() });
  // A line of 0 kr. is what BeloebType (minExclusive 0) forbids: never sent.
  zeroLine = await authority
    .foretagIndbetaling({ ...pay(['7002']), claims: [{ feeId: '7002', amountOre: 0 }] })
    .catch((error: unknown) => error);
  await authority.soegDelfordringer(['6001']);
  await invocation.soegDelfordringer(['6001', '7002', '9007199254740993']);
});
afterAll(async () => {
  await f.close();
});

describe('ØiR requests against the XSD', () => {
  it('captured every kind of request', () => {
    expect(f.sandbox.requests).toHaveLength(5);
  });

  it('a line of 0 kr. is refused before it is sent', () => {
    expect(zeroLine).toMatchObject({ name: 'OeirError', message: expect.stringContaining('0 kr.') });
  });

  it('every request the client sent is valid', async () => {
    for (const request of f.sandbox.requests)
      expect(await validate(bodyPayload(request)), bodyPayload(request)).toEqual([]);
  });

  it('the validator refuses what the schema forbids', async () => {
    const good = bodyPayload(f.sandbox.requests[0]!);
    expect(await validate(good.replace(/<dia:Beloeb>[^<]*</, '<dia:Beloeb>12.345<'))).not.toEqual([]);
    expect(await validate(good.replace(/<ac:MunicipalityCVR>[^<]*</, '<ac:MunicipalityCVR>1234<'))).not.toEqual([]);
    expect(await validate(good.replace(/<dia:ValutaKode>DKK</, '<dia:ValutaKode>EUR<'))).not.toEqual([]);
    expect(await validate(good.replace(/<ac:AuthorityContext[\s\S]*<\/ac:AuthorityContext>/, ''))).not.toEqual([]);
  });
});
