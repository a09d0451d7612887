import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { certificateProblems, readPkcs12 } from '../../integrations/oeir/certificates.js';
import { OeirLink } from '../../integrations/oeir/link.js';
import { oeirPaymentTarget } from '../../integrations/oeir/payment-target.js';
import { DebtorSystemUnreachableError, lookUpDebtorClaims } from '../../integrations/oeir/precharge.js';
import { DEFAULT_WSDL } from '../../integrations/oeir/sandbox/server.js';
import { createCertificateAuthority, toPkcs12 } from '../../base/sandbox-pki.js';
import { rejectionOf } from '../support/rejection.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OeirClient } from '../../integrations/oeir/client.js';
import { OeirError } from '../../integrations/oeir/errors.js';
import { subClaimsFrom, type DebtorPayment } from '../../integrations/oeir/mapping.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';

let f: OeirFixture;
let client: OeirClient;

beforeAll(async () => {
  f = await startOeirFixture();
  client = await f.client();
});
afterAll(async () => {
  await f.close();
});
beforeEach(() => f.sandbox.reset());

function payment(overrides: Partial<DebtorPayment> = {}): DebtorPayment {
  return {
    paymentId: randomUUID(),
    amountOre: 12025,
    paidAt: '2026-11-21T12:00:00.000Z',
    terminalTransactionRef: 'TX-000001',
    place: 'Hovedbiblioteket, kiosk 1',
    claims: [{ feeId: '7002', amountOre: 12025 }],
    ...overrides,
  };
}

const failure = (promise: Promise<unknown>): Promise<OeirError> => rejectionOf(promise, OeirError);

describe('ØiR client against the sandbox over mutual TLS', () => {
  it('registers a payment and returns the receipt and the remaining balance', async () => {
    const p = payment({ amountOre: 2025, claims: [{ feeId: '7002', amountOre: 2025 }] });
    const receipt = await client.foretagIndbetaling(p);
    expect(receipt).toEqual({ receiptId: 'KV-00000001', remainingOre: 10000, alreadyRegistered: false });
    expect(f.sandbox.ledger.get(p.paymentId)).toMatchObject({
      amountOre: 2025,
      feeIds: ['7002'],
      municipalityCvr: '29189846',
      terminalTransactionRef: 'TX-000001',
    });
  });

  it('is idempotent on the payment identifier: a repeat gets the same receipt and changes nothing', async () => {
    const p = payment();
    const first = await client.foretagIndbetaling(p);
    const again = await client.foretagIndbetaling(p);
    expect(again).toEqual({ ...first, alreadyRegistered: true });
    expect(f.sandbox.ledger.size).toBe(1);
    expect(await client.soegDelfordringer(['7002'])).toEqual([{ feeId: '7002', status: 'closed', remainingOre: 0 }]);
  });

  it('finds open, closed and unknown sub-claims', async () => {
    expect(await client.soegDelfordringer(['6001', '7002', '999'])).toEqual([
      { feeId: '6001', status: 'open', remainingOre: 24995 },
      { feeId: '7002', status: 'open', remainingOre: 12025 },
      { feeId: '999', status: 'unknown', remainingOre: null },
    ]);
  });

  it('reports business refusals with their code', async () => {
    expect(
      await failure(client.foretagIndbetaling(payment({ claims: [{ feeId: '999', amountOre: 12025 }] }))),
    ).toMatchObject({
      kind: 'business',
      details: { code: 'UkendtFordring', feeId: '999' },
    });
    expect(
      (
        await failure(
          client.foretagIndbetaling(payment({ amountOre: 99999, claims: [{ feeId: '7002', amountOre: 99999 }] })),
        )
      ).details.code,
    ).toBe('BeloebOverstigerRestance');
    await client.foretagIndbetaling(payment());
    expect((await failure(client.foretagIndbetaling(payment()))).details.code).toBe('FordringLukket');
  });
});

describe('an empty answer to the claim search', () => {
  it('is a bad response, never "no claims" (what the soap library gives for an empty SOAP body)', () => {
    for (const empty of [null, undefined, ''])
      expect(() => subClaimsFrom(empty)).toThrow(expect.objectContaining({ kind: 'bad-response' }));
    // The response element with no sub-claims in it is an empty list.
    expect(subClaimsFrom({})).toEqual([]);
  });
});

describe('ØiR fault switches and their classification', () => {
  const cases: [string, Parameters<OeirFixture['sandbox']['setFaults']>[0], string, RegExp][] = [
    ['HTTP 500', { status: { code: 500, times: 1 } }, 'transport', /HTTP 500/],
    ['HTTP 503', { status: { code: 503, times: 1 } }, 'transport', /HTTP 503/],
    ['no answer (timeout)', { hang: { times: 1 } }, 'transport', /no answer in time/],
    ['connection reset', { reset: { times: 1 } }, 'transport', /connection|socket/i],
    ['a business fault', { business: { code: 'FordringLukket', times: 1 } }, 'business', /FordringLukket/],
    ['a Serviceplatformen fault', { platform: { times: 1 } }, 'platform', /SP-TEKNISK/],
    ['malformed XML', { malformed: { times: 1 } }, 'bad-response', /unreadable|unexpected/],
    ['an XXE payload', { xxe: { times: 1 } }, 'bad-response', /DOCTYPE or entity/],
  ];
  for (const [name, faults, kind, message] of cases) {
    it(`${name} → ${kind}, and the next call works`, async () => {
      f.sandbox.setFaults(faults);
      const error = await failure(client.foretagIndbetaling(payment()));
      expect(error.kind).toBe(kind);
      expect(error.message).toMatch(message);
      expect(f.sandbox.ledger.size).toBe(0);
      expect((await client.foretagIndbetaling(payment())).alreadyRegistered).toBe(false);
    });
  }

  it('slow answers within the timeout are just slow', async () => {
    f.sandbox.setFaults({ slowMs: 300 });
    expect((await client.foretagIndbetaling(payment())).receiptId).toMatch(/^KV-/);
  });

  it('the XXE answer is refused before any parser sees it (no file content leaks)', async () => {
    f.sandbox.setFaults({ xxe: { times: 1 } });
    const error = await failure(client.foretagIndbetaling(payment()));
    expect(error.message).not.toContain('root:');
  });

  it('refuses a wrong municipality in the AuthorityContext with a platform fault', async () => {
    const other = await import('../../integrations/oeir/client.js').then(({ OeirClient }) =>
      OeirClient.create({
        wsdlPath: (client as unknown as { options: { wsdlPath: string } }).options.wsdlPath,
        endpoint: f.sandbox.url,
        timeoutMs: 1500,
        context: { kind: 'authority', municipalityCvr: '11111111' },
        certificate: readPkcs12(f.p12, f.password),
        caPem: f.ca.certPem,
        log: memoryLogger().log,
      }),
    );
    expect(await failure(other.foretagIndbetaling(payment()))).toMatchObject({
      kind: 'platform',
      details: { code: 'SP-AUTORISATION' },
    });
    other.close();
  });
});

describe('ØiR mutual TLS and the organisation certificate', () => {
  it('refuses a client without a certificate at the handshake', async () => {
    const { OeirClient } = await import('../../integrations/oeir/client.js');
    const anonymous = await OeirClient.create({
      wsdlPath: DEFAULT_WSDL,
      endpoint: f.sandbox.url,
      timeoutMs: 1500,
      context: { kind: 'authority', municipalityCvr: '29189846' },
      caPem: f.ca.certPem,
      log: memoryLogger().log,
    });
    const error = await failure(anonymous.foretagIndbetaling(payment()));
    expect(error.kind).toBe('transport');
    expect(f.sandbox.requests).toHaveLength(0);
    anonymous.close();
  });

  it('refuses a certificate from another CA', async () => {
    const stranger = createCertificateAuthority('Some other CA');
    const p12 = toPkcs12(stranger.issue({ commonName: 'Impostor' }), 'pw', stranger.certPem);
    const error = await failure((await f.client({ p12, password: 'pw' })).foretagIndbetaling(payment()));
    expect(error.kind).toBe('transport');
    expect(f.sandbox.requests).toHaveLength(0);
  });

  it('reads modern and legacy PKCS#12 files; a wrong password says so', () => {
    const dir = tempDir('kiosk-p12-');
    try {
      const issued = f.ca.issue({ commonName: 'Kommune' });
      writeFileSync(join(dir.path, 'key.pem'), issued.keyPem);
      writeFileSync(join(dir.path, 'cert.pem'), issued.certPem);
      const make = (file: string, extra: string[]): Buffer => {
        execFileSync('openssl', [
          'pkcs12',
          '-export',
          ...extra,
          '-inkey',
          join(dir.path, 'key.pem'),
          '-in',
          join(dir.path, 'cert.pem'),
          '-passout',
          'pass:pw',
          '-out',
          join(dir.path, file),
        ]);
        return readFileSync(join(dir.path, file));
      };
      const modern = make('modern.p12', []);
      const legacy = make('legacy.p12', ['-legacy']);
      // Node's own OpenSSL 3 refuses the legacy file: this is the case the reader exists for.
      expect(() => createSecureContext({ pfx: legacy, passphrase: 'pw' })).toThrow(/Unsupported PKCS12/);
      const lf = (pem: string): string => pem.replace(/\r\n/g, '\n');
      for (const file of [modern, legacy]) expect(lf(readPkcs12(file, 'pw').certPem)).toBe(lf(issued.certPem));
      expect(() => readPkcs12(modern, 'nope')).toThrow(/password is wrong/);
      expect(() => readPkcs12(legacy, 'nope')).toThrow(/password is wrong/);
      expect(() => readPkcs12(Buffer.from('not a p12'), 'pw')).toThrow(/not a readable PKCS#12/);
    } finally {
      dir.remove();
    }
  });

  it('reports expired, not yet valid and soon expiring certificates', () => {
    const day = 24 * 60 * 60 * 1000;
    const now = new Date();
    const cert = (notBefore: number, notAfter: number) =>
      readPkcs12(
        toPkcs12(
          f.ca.issue({
            commonName: 'K',
            notBefore: new Date(now.getTime() + notBefore * day),
            notAfter: new Date(now.getTime() + notAfter * day),
          }),
          'pw',
        ),
        'pw',
      );
    expect(certificateProblems(cert(-400, -1), now).map((p) => p.kind)).toEqual(['expired']);
    expect(certificateProblems(cert(2, 400), now).map((p) => p.kind)).toEqual(['not-yet-valid']);
    expect(certificateProblems(cert(-10, 20), now)).toEqual([
      expect.objectContaining({ kind: 'expires-soon', message: expect.stringContaining('expires in 19 days') }),
    ]);
    expect(certificateProblems(cert(-10, 200), now)).toEqual([]);
  });

  it('an expired or not yet valid certificate is a certificate fault, and the platform is not called', async () => {
    // The platform would answer its handshake with a reset ("connection failed", retried for ever
    // as a network fault); the kiosk knows the certificate's dates itself and says what is wrong.
    for (const [notBefore, notAfter, says] of [
      [-400, -1, 'expired'],
      [1, 400, 'not valid before'],
    ] as const) {
      const p12 = toPkcs12(
        f.ca.issue({
          commonName: 'Dated',
          notBefore: new Date(Date.now() + notBefore * 86_400_000),
          notAfter: new Date(Date.now() + notAfter * 86_400_000),
        }),
        'pw',
        f.ca.certPem,
      );
      const before = f.sandbox.requests.length;
      const error = await failure((await f.client({ p12, password: 'pw' })).foretagIndbetaling(payment()));
      expect(error.kind).toBe('certificate');
      expect(error.message).toContain(says);
      expect(f.sandbox.requests).toHaveLength(before);
    }
  });
});

describe('the oeir.indbetaling target, the circuit breaker and the pre-charge check', () => {
  const payload = (overrides: Record<string, unknown> = {}) => ({
    paymentId: randomUUID(),
    patronId: '100004',
    route: 'debtor',
    amountOre: 12025,
    currency: 'DKK',
    terminalTransactionRef: 'TX-9',
    paidAt: new Date().toISOString(),
    claims: [{ claimId: 'fbs:7002', feeId: '7002', amountOre: 12025 }],
    ...overrides,
  });
  const attempt = (p: unknown) => ({
    target: 'oeir.indbetaling',
    idempotencyKey: 'k',
    payload: p,
    attempt: 1,
    signal: new AbortController().signal,
  });
  const newLink = async (failuresToOpen = 3, halfOpenAfterMs = 200): Promise<OeirLink> =>
    new OeirLink(await f.client({ timeoutMs: 800 }), { failuresToOpen, halfOpenAfterMs }, memoryLogger().log);

  it('delivers with the receipt and the remaining balance; a repeat is recognised', async () => {
    const target = oeirPaymentTarget(await newLink(), 'Kiosk 1');
    const p = payload();
    expect(await target(attempt(p))).toEqual({
      kind: 'delivered',
      result: { receiptId: 'KV-00000001', remainingOre: 0, alreadyRegistered: false },
    });
    expect(await target(attempt(p))).toMatchObject({ kind: 'delivered', result: { alreadyRegistered: true } });
    expect(f.sandbox.ledger.size).toBe(1);
  });

  it('a business refusal is permanent; technical failures are transient', async () => {
    const target = oeirPaymentTarget(await newLink(10));
    expect(
      await target(attempt(payload({ claims: [{ claimId: 'fbs:1', feeId: '1', amountOre: 12025 }] }))),
    ).toMatchObject({ kind: 'permanent', result: { code: 'UkendtFordring' } });
    for (const faults of [
      { status: { code: 503, times: 1 } },
      { platform: { times: 1 } },
      { reset: { times: 1 } },
      { malformed: { times: 1 } },
      { hang: { times: 1 } },
    ]) {
      f.sandbox.setFaults(faults);
      expect((await target(attempt(payload()))).kind, JSON.stringify(faults)).toBe('transient');
    }
    expect(await target(attempt(payload({ route: 'fbs' })))).toMatchObject({
      kind: 'permanent',
      error: expect.stringContaining('invalid payload'),
    });
  });

  it('goes offline after repeated failures, stops calling, and comes back online by itself', async () => {
    const link = await newLink(3, 300);
    const statuses: boolean[] = [];
    link.onStatus((s) => statuses.push(s.online));
    const target = oeirPaymentTarget(link);
    f.sandbox.setFaults({ status: { code: 503, times: 100 } });
    for (let i = 0; i < 3; i++) expect((await target(attempt(payload()))).kind).toBe('transient');
    expect(link.status).toMatchObject({ online: false, reason: expect.stringContaining('503') });
    const seen = f.sandbox.requests.length;
    const fast = await target(attempt(payload()));
    expect(fast).toMatchObject({ kind: 'transient', error: expect.stringContaining('offline') });
    expect(f.sandbox.requests.length).toBe(seen); // the dead endpoint was not called
    f.sandbox.setFaults({});
    await new Promise((r) => setTimeout(r, 350));
    expect((await target(attempt(payload()))).kind).toBe('delivered');
    expect(link.status.online).toBe(true);
    expect(statuses).toEqual([false, true]);
  });

  it('a business refusal does not take the link offline', async () => {
    const link = await newLink(2);
    for (let i = 0; i < 4; i++)
      await oeirPaymentTarget(link)(attempt(payload({ claims: [{ claimId: 'fbs:1', feeId: '1', amountOre: 12025 }] })));
    expect(link.status.online).toBe(true);
  });

  it('looks up debtor-route claims: open, paid in part, unknown; unreachable is its own error', async () => {
    const link = await newLink(10);
    const shown = (feeId: string, amountOre: number) => ({ claimId: `fbs:${feeId}`, feeId, amountOre });
    expect(await lookUpDebtorClaims(link, [shown('7002', 12025), shown('6001', 24995)])).toEqual([
      { claimId: 'fbs:7002', feeId: '7002', state: 'open' },
      { claimId: 'fbs:6001', feeId: '6001', state: 'open' },
    ]);
    await client.foretagIndbetaling(payment({ amountOre: 2025, claims: [{ feeId: '7002', amountOre: 2025 }] }));
    await client.foretagIndbetaling(payment({ amountOre: 24995, claims: [{ feeId: '6001', amountOre: 24995 }] }));
    expect(await lookUpDebtorClaims(link, [shown('7002', 12025), shown('6001', 24995), shown('999', 100)])).toEqual([
      { claimId: 'fbs:7002', feeId: '7002', state: 'amount-changed' },
      { claimId: 'fbs:6001', feeId: '6001', state: 'paid' },
      { claimId: 'fbs:999', feeId: '999', state: 'unknown' },
    ]);
    f.sandbox.setFaults({ status: { code: 503, times: 1 } });
    await expect(lookUpDebtorClaims(link, [shown('7002', 10000)])).rejects.toBeInstanceOf(DebtorSystemUnreachableError);
  });
});
