import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, toPkcs12 } from '../../base/sandbox-pki.js';
import { runDiagnostics } from '../../app/diagnostics.js';
import { parseConfig } from '../../config/config.js';
import { setUpOeir } from '../../integrations/oeir/setup.js';
import { OeirClient, type TokenSource } from '../../integrations/oeir/client.js';
import { OeirError } from '../../integrations/oeir/errors.js';
import type { DebtorPayment } from '../../integrations/oeir/mapping.js';
import { DEFAULT_WSDL, DEMO_MUNICIPALITY_CVR, OeirSandbox } from '../../integrations/oeir/sandbox/server.js';
import { StsSandbox } from '../../integrations/oeir/sandbox/sts.js';
import { checkTokenCall } from '../../integrations/oeir/sandbox/token-check.js';
import { signCall } from '../../integrations/oeir/sts/call-signing.js';
import { StsTokenProvider } from '../../integrations/oeir/sts/token-provider.js';
import { NS, type StsToken } from '../../integrations/oeir/sts/wire.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { kioskPerTest, lineFor } from '../support/kiosk-per-test.js';
import { organisation, serialOf } from '../support/sts-fixture.js';
import { wss4jVerify } from '../support/wss4j.js';
import { xmlsecVerify } from '../support/xmlsec.js';

/**
 * DebitorIndbetaling under the token-based security model, over real sockets: the kiosk's token
 * from the STS sandbox, each call signed with WS-Security and checked by the ØiR sandbox (the
 * STS's signature on the assertion, the holder's signature on the message, the STR-Transform,
 * the timestamps, the audience). Apache WSS4J — an implementation that shares nothing with
 * xml-crypto — verifies the calls the kiosk sends, STR-Transform included; xmlsec1 verifies the
 * assertion inside them.
 */
const AUDIENCE = 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1';
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The STS and ØiR sandboxes on one clock the test moves, and a kiosk certificate with an agreement. */
async function tokenWorld() {
  const ca = createCertificateAuthority('Token test CA');
  const server = ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1', 'localhost'] });
  const stsKey = ca.issue({ commonName: 'Sandbox STS' });
  const kiosk = ca.issue({ commonName: 'Demo kommune', serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:1` });
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
  const sts = new StsSandbox({
    signing: stsKey,
    trustedCaPem: ca.certPem,
    services: [AUDIENCE],
    agreements: new Map([[serialOf(kiosk), DEMO_MUNICIPALITY_CVR]]),
    tls: server,
    now: clock.now,
  });
  const stsUrl = await sts.start();
  closers.push(() => sts.close());
  const oeir = new OeirSandbox({
    tls: { ...server, caPem: ca.certPem },
    municipalityCvr: DEMO_MUNICIPALITY_CVR,
    claims: { '6001': 100_000, '6002': 100_000, '6003': 100_000 },
    token: { stsCertPem: stsKey.certPem, audience: AUDIENCE, now: clock.now },
  });
  await oeir.start();
  closers.push(() => oeir.close());
  const certificate = organisation(kiosk, ca.certPem);
  const provider = new StsTokenProvider({
    endpoint: stsUrl,
    appliesTo: AUDIENCE,
    cvr: DEMO_MUNICIPALITY_CVR,
    certificate,
    caPem: ca.certPem,
    timeoutMs: 3_000,
    now: clock.now,
    log: memoryLogger().log,
  });
  closers.push(() => provider.close());
  const client = async (tokens: TokenSource = provider, key = certificate) => {
    const c = await OeirClient.create({
      wsdlPath: DEFAULT_WSDL,
      endpoint: oeir.url,
      timeoutMs: 3_000,
      context: { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR },
      certificate: key,
      caPem: ca.certPem,
      tokens,
      now: clock.now,
      log: memoryLogger().log,
    });
    closers.push(() => c.close());
    return c;
  };
  return { ca, kiosk, stsKey, sts, oeir, provider, certificate, clock, client };
}

const payment = (feeId: string, amountOre = 1_000): DebtorPayment => ({
  paymentId: randomUUID(),
  amountOre,
  paidAt: new Date().toISOString(),
  terminalTransactionRef: `T-${randomUUID().slice(0, 8)}`,
  claims: [{ feeId, amountOre }],
});

describe('ØiR under the token model', () => {
  it('registers payments with one token for many calls; WSS4J verifies each call’s signature, xmlsec1 the assertion', async () => {
    const w = await tokenWorld();
    const client = await w.client();
    for (const feeId of ['6001', '6002', '6003']) await client.foretagIndbetaling(payment(feeId));
    expect(await client.soegDelfordringer(['6001'])).toHaveLength(1);
    expect(w.sts.issued).toHaveLength(1);
    expect(w.oeir.tokenCalls).toHaveLength(4);
    expect(w.oeir.tokenRefusals).toEqual([]);
    expect([...w.oeir.ledger.values()].map((e) => e.feeIds[0]).sort()).toEqual(['6001', '6002', '6003']);

    const call = w.oeir.requests.find((r) => r.includes('ForetagIndbetaling'))!;
    const verified = wss4jVerify(call, w.kiosk.certPem);
    expect(verified.output).toContain('references 7/7');
    expect(verified.output).toMatch(/#_str_[^\n]* ok [^\n]*STR-Transform/u);
    expect(verified.ok).toBe(true);
    // The assertion as the call carries it: the STS's signature, by an independent implementation.
    const assertion = /<saml:Assertion[\s\S]*<\/saml:Assertion>/u.exec(call)![0];
    expect(xmlsecVerify(assertion, { trustedCaPem: w.ca.certPem, ids: [['ID', NS.saml, 'Assertion']] }).ok).toBe(true);

    // The same call with its amount changed after signing: WSS4J and the sandbox refuse it.
    const tampered = call.replace(/<([\w]+:)?Beloeb>[^<]*</u, (m) => m.replace(/>[^<]*</u, '>999999.00<'));
    expect(tampered).not.toBe(call);
    expect(wss4jVerify(tampered, w.kiosk.certPem).ok).toBe(false);
    expect(
      checkTokenCall(tampered, { stsCertPem: w.stsKey.certPem, audience: AUDIENCE, now: w.clock.now }),
    ).toMatchObject({
      ok: false,
      code: 'wsse:FailedCheck',
    });
  });

  it('renews the token near its end, and after the platform refuses it', async () => {
    const w = await tokenWorld();
    const client = await w.client();
    await client.foretagIndbetaling(payment('6001'));
    w.clock.advance(7 * 60 * 60_000 + 50 * 60_000);
    await client.foretagIndbetaling(payment('6002'));
    expect(w.sts.issued).toHaveLength(2);

    // A token the platform refuses (here: its assertion altered, so the STS's signature fails):
    // the call fails as a transient fault and the client drops the token; the retry gets a good one.
    let calls = 0;
    let dropped = 0;
    const source: TokenSource = {
      token: async () => (calls++ === 0 ? alteredCopy(await w.provider.token()) : w.provider.token()),
      invalidate: () => dropped++,
    };
    const client2 = await w.client(source);
    const p = payment('6003');
    const refused = await client2.foretagIndbetaling(p).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OeirError);
    expect(refused).toMatchObject({ kind: 'platform', details: { code: 'wsse:InvalidSecurityToken' } });
    expect(dropped).toBe(1);
    await client2.foretagIndbetaling(p);
    expect(w.oeir.ledger.get(p.paymentId)).toBeDefined();
    expect(w.oeir.tokenRefusals).toEqual([expect.stringContaining('wsse:InvalidSecurityToken')]);
  });

  it('refuses a message signed by another key than the token’s holder, and a forged assertion', async () => {
    const w = await tokenWorld();
    const stranger = w.ca.issue({ commonName: 'Stranger' });
    // Its own certificate for TLS and its own key for the signature, with the kiosk's token.
    const wrongKey = await w.client(w.provider, organisation(stranger, w.ca.certPem));
    await expect(wrongKey.foretagIndbetaling(payment('6001'))).rejects.toMatchObject({
      details: { code: 'wsse:FailedCheck' },
    });
    const token = await w.provider.token();
    const trust = { stsCertPem: w.stsKey.certPem, audience: AUDIENCE, now: w.clock.now };
    const envelope =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header/><soap:Body><x>1</x></soap:Body></soap:Envelope>';
    const sign = (t: StsToken) => signCall(envelope, { token: t, keyPem: w.certificate.keyPem, action: 'a', to: 'b' });
    expect(checkTokenCall(sign(token), trust)).toMatchObject({ ok: true, cvr: DEMO_MUNICIPALITY_CVR });
    // The assertion's audience changed: the STS's signature no longer holds.
    const forged = { ...token, assertionXml: token.assertionXml.replace(AUDIENCE, 'http://entityid.kombit.dk/other') };
    expect(checkTokenCall(sign(forged), trust)).toMatchObject({ ok: false, code: 'wsse:InvalidSecurityToken' });
    // Expired (the platform's clock past the token's end).
    expect(checkTokenCall(sign(token), { ...trust, now: () => token.notOnOrAfter.getTime() + 1 })).toMatchObject({
      ok: false,
      code: 'wsse:InvalidSecurityToken',
      reason: 'the token has expired',
    });
    // The message's own Timestamp run out (a replay an hour later).
    const old = signCall(envelope, {
      token,
      keyPem: w.certificate.keyPem,
      action: 'a',
      to: 'b',
      now: new Date(w.clock.now() - 60 * 60_000),
    });
    expect(checkTokenCall(old, trust)).toMatchObject({ ok: false, code: 'wsse:MessageExpired' });
    // Without the STR-Transform reference (a signature that leaves the token out).
    const withoutStr = sign(token).replace(/<ds:Reference URI="#_str[\s\S]*?<\/ds:Reference>/u, '');
    expect(checkTokenCall(withoutStr, trust)).toMatchObject({ ok: false });
  });
});

/** A copy of a token with its validity moved after the STS signed it. */
function alteredCopy(token: StsToken): StsToken {
  return {
    ...token,
    assertionXml: token.assertionXml.replace(/NotOnOrAfter="[^"]*"/u, 'NotOnOrAfter="2000-01-01T00:00:00Z"'),
  };
}

describe('the kiosk in the token model', () => {
  const kiosks = kioskPerTest();

  it('STS down while payments queue: each is registered once when it answers again, with one token', async () => {
    const k = await kiosks.boot({ oeir: { security: 'token', breaker: { failuresToOpen: 100 } } });
    const sts = k.oeir.stsSandbox!;
    sts.setFaults({ status: { code: 503, times: 1_000_000 } });
    const pay = async (patronId: string, feeIds: readonly string[]) => {
      const claims = (await k.fbs.claims(patronId)).filter((c) => feeIds.includes(c.feeId));
      return k.core.checkout.pay({ channel: 'staff', patronId, lines: claims.map(lineFor), actor: 'staff:personale' });
    };
    const first = await pay('100003', ['6001']);
    const second = await pay('100004', ['7001', '7002']);
    await expect
      .poll(() => k.core.outbox.listForPayment(first.id).find((r) => r.target.startsWith('oeir'))?.lastError ?? '')
      .toMatch(/STS/u);
    expect(k.oeir.sandbox!.ledger.size).toBe(0);
    expect(k.oeir.tokenStatus()).toMatchObject({ state: 'failing' });

    sts.setFaults({});
    for (const p of [first, second])
      await expect.poll(() => k.core.journal.get(p.id).state, { timeout: 15_000 }).toBe('settled');
    const ledger = [...k.oeir.sandbox!.ledger.values()];
    expect(ledger.map((e) => e.paymentId).sort()).toEqual([first.id, second.id].sort());
    expect(sts.issued).toHaveLength(1);
    expect(k.oeir.sandbox!.tokenRefusals).toEqual([]);
    expect(k.oeir.tokenStatus()).toMatchObject({ state: 'valid' });
  });
});

describe('a configured kiosk in the token model', () => {
  it('an STS that refuses the certificate is a configuration fault in kiosk doctor, and ØiR waits', async () => {
    const w = await tokenWorld();
    // A certificate from the right authority that has no service agreement at the STS.
    const other = w.ca.issue({
      commonName: 'Kiosk without agreement',
      serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:9`,
    });
    const files = tempDir();
    closers.push(() => files.remove());
    writeFileSync(join(files.path, 'kiosk.p12'), toPkcs12(other, 'pw', w.ca.certPem));
    writeFileSync(join(files.path, 'ca.pem'), w.ca.certPem);
    const config = parseConfig({
      oeir: {
        environment: 'exttest',
        security: 'token',
        endpoint: w.oeir.url,
        certificatePath: join(files.path, 'kiosk.p12'),
        certificatePassword: 'pw',
        caPath: join(files.path, 'ca.pem'),
        municipalityCvr: DEMO_MUNICIPALITY_CVR,
        sts: { endpoint: w.sts.url, appliesTo: AUDIENCE },
      },
    });
    const oeir = await setUpOeir(config.oeir, memoryLogger().log);
    closers.push(() => oeir.close());
    expect(oeir.problems).toEqual([]);
    const check = await checkOeirOnly(oeir);
    expect(check).toMatchObject({ level: 'broken' });
    expect(check.details.join('\n')).toMatch(/KOMBIT's STS refused the token since .*no service agreement/u);
    expect(oeir.tokenStatus()).toMatchObject({ state: 'refused' });
    // The outbox target says "try later" (the row waits), and nothing reached ØiR.
    const result = await oeir.target({ payload: registration() } as never);
    expect(result).toMatchObject({ kind: 'transient' });
    expect(w.oeir.ledger.size).toBe(0);
    expect(w.sts.refusals.length).toBe(1);
  });
});

async function checkOeirOnly(oeir: Awaited<ReturnType<typeof setUpOeir>>) {
  const dir = tempDir();
  try {
    const checks = await runDiagnostics({
      dataDir: dir.path,
      minFreeDiskMb: 1,
      fbs: { description: 'x', check: () => Promise.resolve('ok') },
      oeir,
      terminal: { description: 'x', health: () => Promise.resolve({ available: true }) },
      mobilepay: null,
      printer: { description: 'x', status: () => Promise.resolve({ state: 'ready', detail: '' }) as never },
      scanners: () => [],
    });
    return checks.find((c) => c.part === 'oeir')!;
  } finally {
    dir.remove();
  }
}

function registration() {
  return {
    paymentId: randomUUID(),
    patronId: '100003',
    route: 'debtor',
    amountOre: 1_000,
    currency: 'DKK',
    paidAt: new Date().toISOString(),
    terminalTransactionRef: 'T-1',
    claims: [{ claimId: 'fbs:6001', feeId: '6001', amountOre: 1_000 }],
  };
}
