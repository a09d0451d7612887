import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPkcs12 } from '../../integrations/oeir/certificates.js';
import { OeirError } from '../../integrations/oeir/errors.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';

/**
 * The ØiR sandbox checks every request against the service's schema and Serviceplatformen's own
 * context schemas before it does anything with it: what the schema forbids is answered with a
 * SOAP Client fault, as the platform answers, and never registered. Requests here are the
 * client's own, captured at the sandbox, then changed by hand and sent over the same mutual TLS.
 */
let f: OeirFixture;
let agent: Agent;
let valid: string;

beforeAll(async () => {
  f = await startOeirFixture({ '7002': 12025, '6001': 24995 });
  const client = await f.client();
  await client.foretagIndbetaling({
    paymentId: randomUUID(),
    amountOre: 100,
    paidAt: new Date().toISOString(),
    terminalTransactionRef: 'TX-1',
    claims: [{ feeId: '7002', amountOre: 100 }],
  });
  valid = f.sandbox.requests.at(-1)!;
  const certificate = readPkcs12(f.p12, f.password);
  agent = new Agent({ connect: { ca: f.ca.certPem, cert: certificate.certPem, key: certificate.keyPem } });
});
afterAll(async () => {
  await agent.close();
  await f.close();
});

/** A fresh payment identifier each time, so a refusal is never the ledger's "already registered". */
const freshPayment = (xml: string): string =>
  xml.replace(/(<dia:IndbetalingIdentifikator>)[^<]*</u, `$1${randomUUID()}<`);

async function send(xml: string): Promise<{ status: number; body: string }> {
  const response = await request(f.sandbox.url, {
    method: 'POST',
    body: xml,
    dispatcher: agent,
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '"ForetagIndbetaling"' },
  });
  return { status: response.statusCode, body: await response.body.text() };
}

describe('the ØiR sandbox validates every request against the schema', () => {
  it('registers a valid request (the client’s own, with a new payment id)', async () => {
    const before = f.sandbox.ledger.size;
    const answer = await send(freshPayment(valid));
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('KvitteringIdentifikator');
    expect(f.sandbox.ledger.size).toBe(before + 1);
  });

  const broken: [string, (xml: string) => string][] = [
    [
      'an AuthorityContext in the wrong namespace',
      (xml) =>
        xml.replace(/xmlns:ac="[^"]*"/u, 'xmlns:ac="http://serviceplatformen.dk/xml/wsdl/soap11/Security/Authority/"'),
    ],
    ['a date without T', (xml) => xml.replace(/(<dia:IndbetalingDatoTid>[^<T]*)T/u, '$1 ')],
    ['a line of 0.00', (xml) => xml.replace(/(<dia:Delfordring>[\s\S]*?<dia:Beloeb>)[^<]*</u, '$10.00<')],
    [
      'an upper-case UUID',
      (xml) => xml.replace(/(<dia:IndbetalingIdentifikator>)[^<]*</u, `$1${randomUUID().toUpperCase()}<`),
    ],
    ['an amount with three decimals', (xml) => xml.replace(/(<dia:Beloeb>)[^<]*</gu, '$11.005<')],
  ];
  for (const [what, change] of broken) {
    it(`refuses ${what} with a SOAP Client fault, registering nothing`, async () => {
      const before = f.sandbox.ledger.size;
      const changed = change(what === 'an upper-case UUID' ? valid : freshPayment(valid));
      expect(changed).not.toBe(valid);
      const answer = await send(changed);
      expect(answer.status).toBe(500);
      expect(answer.body).toContain('<faultcode>soap:Client</faultcode>');
      expect(answer.body).toContain('SP-SKEMAFEJL');
      // The platform's words, never an internal error name.
      expect(answer.body).not.toMatch(/TypeError|RangeError|Error:|at \w+ \(/u);
      expect(f.sandbox.ledger.size).toBe(before);
    });
  }

  it('the client reads that fault as a refused message (invalid-request): the outbox does not retry it', async () => {
    const client = await f.client();
    const before = f.sandbox.ledger.size;
    // A terminal reference longer than the schema's Tekst100Type: the client sends it as given.
    const refused: unknown = await client
      .foretagIndbetaling({
        paymentId: randomUUID(),
        amountOre: 100,
        paidAt: new Date().toISOString(),
        terminalTransactionRef: 'T'.repeat(150),
        claims: [{ feeId: '7002', amountOre: 100 }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OeirError);
    expect(refused).toMatchObject({ kind: 'invalid-request', details: { code: 'SP-SKEMAFEJL' } });
    expect(f.sandbox.ledger.size).toBe(before);
  });
});
