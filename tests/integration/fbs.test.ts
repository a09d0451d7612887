import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FbsClient } from '../../integrations/fbs/client.js';
import { FbsError } from '../../integrations/fbs/errors.js';
import { checkClaimsFresh } from '../../integrations/fbs/freshness.js';
import { fbsPaymentTarget } from '../../integrations/fbs/payment-target.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import type { RegistrationPayload } from '../../ports/outbox-target.js';
import { rejectionOf } from '../support/rejection.js';
import { memoryLogger } from '../support/fixtures.js';

const sandbox = new FbsSandbox();
let client: FbsClient;

function newClient(overrides: Partial<ConstructorParameters<typeof FbsClient>[0]> = {}): FbsClient {
  return new FbsClient({
    baseUrl: sandbox.url,
    agencyId: sandbox.client.agencyId,
    username: sandbox.client.username,
    password: sandbox.client.password,
    timeoutMs: 1000,
    log: memoryLogger().log,
    ...overrides,
  });
}

const failure = (promise: Promise<unknown>): Promise<FbsError> => rejectionOf(promise, FbsError);

beforeAll(async () => {
  await sandbox.start();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  sandbox.reset();
  await client?.close();
  client = newClient();
});

describe('FBS client against the sandbox: the seeded cases', () => {
  it('a borrower with no claims', async () => {
    const { borrower, claims } = await client.identify('1000000001', '1111');
    expect(borrower).toEqual({ patronId: '100001', name: 'Ida Ingen-Gæld', isChild: false, blocks: [] });
    expect(claims).toEqual([]);
  });

  it('only FBS-route claims, amounts exact', async () => {
    const { claims } = await client.identify('1000000002', '2222');
    expect(claims.map((c) => [c.feeId, c.route, c.amountOre, c.createdOn, c.dueOn])).toEqual([
      ['5001', 'fbs', 3000, '2023-02-01', '2023-03-01'],
      ['5002', 'fbs', 5550, '2023-03-15', null],
    ]);
    expect(claims[0]!.reason).toBe('Overskredet lånetid');
  });

  it('only debtor-route claims', async () => {
    const { claims } = await client.identify('1000000003', '3333');
    expect(claims.map((c) => [c.feeId, c.route, c.amountOre, c.type])).toEqual([
      ['6001', 'debtor', 24995, 'compensation'],
    ]);
  });

  it('a mix with materials, an int64 id above 2^53 and an expected fee', async () => {
    const { claims } = await client.identify('1000000004', '4444');
    const byFee = new Map(claims.map((c) => [c.id, c]));
    expect(byFee.get('fbs:7001')).toMatchObject({
      route: 'fbs',
      amountOre: 4500,
      materials: [
        { recordId: '25734401', itemNumber: '3846990950', materialGroup: 'Bog', periodical: null },
        { recordId: '06123456', itemNumber: '4711000123', materialGroup: 'Tidsskrift', periodical: 'Nr. 7, 2022' },
      ],
    });
    expect(byFee.get('fbs:7002')).toMatchObject({ route: 'debtor', amountOre: 12025 });
    expect(byFee.get('fbs:9007199254740993')).toMatchObject({
      feeId: '9007199254740993',
      route: 'fbs',
      amountOre: 2000,
    });
    // The expected fee, from FBS's own endpoint for them (expected-fees/v1): created today, never payable.
    expect(byFee.get('fbs:-1#0')).toMatchObject({
      feeId: '-1',
      route: 'not-payable',
      createdOn: new Date().toISOString().slice(0, 10),
    });
    // Payable claims first, the expected fee last.
    expect(claims.at(-1)!.route).toBe('not-payable');
    // fees/v2 itself holds no expected fee: they are not fees yet.
    expect((await client.fees('100004', { includePaid: true })).map((f) => f.feeId)).not.toContain('-1');
  });

  it('a borrower still sees and pays what they owe when FBS cannot give the expected fees', async () => {
    sandbox.setFaults({ status: { code: 503, times: 1_000 }, pathIncludes: '/expected-fees/' });
    try {
      const { claims } = await client.identify('1000000004', '4444');
      expect(claims.map((c) => c.feeId)).toEqual(expect.arrayContaining(['7001', '7002']));
      expect(claims.some((c) => c.feeId === '-1')).toBe(false);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('the health card: CPR used as library card', async () => {
    const { borrower } = await client.identify('0101901234', '4444');
    expect(borrower.patronId).toBe('100004');
  });

  it('a blocked borrower is refused with the reasons, unless staff allow it', async () => {
    const error = await failure(client.identify('1000000005', '5555'));
    expect(error.code).toBe('blocked');
    expect(error.details.blocks).toEqual([{ code: 'U', since: '2025-10-01', message: 'Udelukket fra lån' }]);
    const allowed = await client.identify('1000000005', '5555', { allowBlocked: true });
    expect(allowed.claims).toHaveLength(1);
    // The kiosk-wide setting (fbs.allowBlockedBorrowers) is the default.
    const lenient = newClient({ allowBlockedBorrowers: true });
    expect((await lenient.identify('1000000005', '5555')).borrower.blocks).toHaveLength(1);
    await lenient.close();
  });

  it('a locked-out card', async () => {
    expect((await failure(client.identify('1000000006', '6666'))).code).toBe('locked-out');
  });

  it('a child', async () => {
    const { borrower } = await client.identify('1000000007', '7777');
    expect(borrower.isChild).toBe(true);
  });

  it('a wrong PIN, an unknown card, and five wrong PINs lock the card', async () => {
    expect((await failure(client.identify('1000000002', '0000'))).code).toBe('invalid-credentials');
    expect((await failure(client.identify('9999999999', '1234'))).code).toBe('invalid-credentials');
    for (let i = 0; i < 4; i++) await failure(client.authenticate('1000000002', '0000'));
    expect((await failure(client.authenticate('1000000002', '2222'))).code).toBe('locked-out');
  });

  it('staff look-up without PIN', async () => {
    expect(await client.preauthenticate('1000000003')).toEqual({ patronId: '100003', patronType: 'PERSON' });
    expect((await failure(client.preauthenticate('0000000000'))).code).toBe('invalid-credentials');
  });

  it('the look-up sends the identifier itself as the body, as production FBS clients do', async () => {
    await client.preauthenticate('0101901234');
    const sent = sandbox.exchanges.filter((e) => e.operation === 'getPreAuthenticatedPatronV10').at(-1);
    // Raw, not the JSON string "0101901234" (DBCDK fbs-cms-adapter, OS2Forms FBS handler).
    expect(sent).toMatchObject({ request: '0101901234', status: 200, response: { authenticateStatus: 'VALID' } });
    // Sent the other way, the quotes are part of the identifier: nobody has it.
    const login = await fetch(`${sandbox.url}/external/v1/${sandbox.client.agencyId}/authentication/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: sandbox.client.username, password: sandbox.client.password }),
    });
    const { sessionKey } = (await login.json()) as { sessionKey: string };
    const quoted = await fetch(`${sandbox.url}/external/${sandbox.client.agencyId}/patrons/preauthenticated/v10`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session': sessionKey },
      body: JSON.stringify('0101901234'),
    });
    expect(await quoted.json()).toMatchObject({ authenticateStatus: 'INVALID' });
    // Nothing but a plain identifier leaves the kiosk.
    expect((await failure(client.preauthenticate('"0101901234"'))).code).toBe('invalid-credentials');
  });
});

describe('FBS session', () => {
  it('logs in once and reuses the session, also for concurrent calls', async () => {
    await Promise.all([client.claims('100002'), client.claims('100003'), client.borrower('100004')]);
    await client.claims('100002');
    expect(sandbox.exchanges.filter((e) => e.operation === 'login')).toHaveLength(1);
  });

  it('logs in again once when the session expired (401), and the call succeeds', async () => {
    await client.claims('100002');
    sandbox.expireSessions();
    const claims = await client.claims('100002');
    expect(claims).toHaveLength(2);
    expect(sandbox.exchanges.filter((e) => e.operation === 'login')).toHaveLength(2);
  });

  it('reports wrong client credentials as unavailable, naming the configuration', async () => {
    const wrong = newClient({ password: 'not-it' });
    const error = await failure(wrong.claims('100002'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('fbs.password');
    await wrong.close();
  });
});

describe('FBS fault switches', () => {
  it('latency within the timeout is just slower', async () => {
    sandbox.setFaults({ latencyMs: 200 });
    expect(await client.claims('100002')).toHaveLength(2);
  });

  it('a 503 on a read is retried once, then succeeds', async () => {
    await client.claims('100002'); // logged in
    sandbox.setFaults({ status: { code: 503, times: 1 } });
    expect(await client.claims('100002')).toHaveLength(2);
  });

  it('persistent 500s become unavailable', async () => {
    await client.claims('100002');
    sandbox.setFaults({ status: { code: 500, times: 10 } });
    const error = await failure(client.claims('100002'));
    expect(error).toMatchObject({ code: 'unavailable', details: { status: 500 } });
  });

  it('a PIN check is never retried, even on a 503', async () => {
    await client.claims('100002');
    sandbox.setFaults({ status: { code: 503, times: 1 }, pathIncludes: '/authenticate/' });
    expect((await failure(client.authenticate('1000000002', '2222'))).code).toBe('unavailable');
    expect(sandbox.exchanges.filter((e) => e.operation === 'authenticateV9')).toHaveLength(0);
  });

  it('a call with no answer times out as unavailable', async () => {
    await client.claims('100002');
    // Two calls, each tried twice: the fees and the expected fees.
    sandbox.setFaults({ hang: { times: 4 } });
    const started = Date.now();
    const error = await failure(client.claims('100002'));
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('malformed JSON is a bad response, not a crash', async () => {
    await client.claims('100002');
    sandbox.setFaults({ malformed: { times: 5 } });
    expect((await failure(client.claims('100002'))).code).toBe('bad-response');
  });

  it('a negative amount refuses the list; an over-precise one makes only that fee not payable here, never rounded', async () => {
    sandbox.setAmount('5002', '-5');
    expect((await failure(client.claims('100002'))).message).toContain('negative');
    sandbox.setAmount('5002', '55.555');
    const logged = memoryLogger();
    const claims = await newClient({ log: logged.log }).claims('100002');
    // The other fee is payable as before; this one is shown, not payable, with no amount guessed.
    expect(claims.map((c) => [c.feeId, c.route, c.amountOre, c.amountUnreadable ?? false])).toEqual([
      ['5001', 'fbs', 3000, false],
      ['5002', 'not-payable', 0, true],
    ]);
    // Staff are told in the log.
    expect(logged.lines().join('\n')).toContain('amount is not whole øre');
  });
});

describe('FBS payment/v2 and the fbs.payment outbox target', () => {
  const payload = (feeIds: string[]): RegistrationPayload => ({
    paymentId: '0b3c8f5e-7d2a-4c1b-9e6f-123456789abc',
    patronId: '100002',
    route: 'fbs',
    amountOre: 3000,
    currency: 'DKK',
    terminalTransactionRef: 'TX-1',
    paidAt: new Date().toISOString(),
    claims: feeIds.map((feeId) => ({ claimId: `fbs:${feeId}`, feeId, amountOre: 3000 })),
  });
  const attempt = (feeIds: string[], key = 'order-1') => ({
    target: 'fbs.payment',
    idempotencyKey: key,
    payload: payload(feeIds),
    attempt: 1,
    signal: new AbortController().signal,
  });

  it('is idempotent on orderId: the same order twice makes one ledger entry and the same confirmation', async () => {
    const first = await client.registerPayment('100002', 'order-1', ['5001', '5002']);
    const again = await client.registerPayment('100002', 'order-1', ['5001', '5002']);
    expect(first.map((c) => c.paymentStatus)).toEqual(['paymentRegistered', 'paymentRegistered']);
    expect(again).toEqual(first);
    expect(sandbox.ledger.map((l) => [l.orderId, l.feeId])).toEqual([
      ['order-1', '5001'],
      ['order-1', '5002'],
    ]);
  });

  it('a "registered" that FBS echoes under another order id is not taken as ours', async () => {
    // FBS's answer names the order each fee was registered under; ours is the idempotency key.
    const echoing = {
      registerPayment: async (_patron: string, _order: string, feeIds: readonly string[]) =>
        feeIds.map((feeId) => ({
          orderId: 'someone-else',
          feeId,
          confirmationId: 'C1',
          paymentStatus: 'paymentRegistered',
        })),
    } as unknown as FbsClient;
    const result = await fbsPaymentTarget(echoing)(attempt(['5001'], 'order-ours'));
    expect(result).toMatchObject({
      kind: 'permanent',
      error: expect.stringContaining('registeredUnderAnotherOrderId'),
    });
  });

  it('the sandbox refuses what the spec refuses: fee ids as strings, missing required query parameters', async () => {
    const login = await fetch(`${sandbox.url}/external/v1/${sandbox.client.agencyId}/authentication/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: sandbox.client.username, password: sandbox.client.password }),
    });
    const headers = {
      'content-type': 'application/json',
      'x-session': ((await login.json()) as { sessionKey: string }).sessionKey,
    };
    const base = `${sandbox.url}/external/${sandbox.client.agencyId}/patron/100002`;
    const pay = await fetch(`${base}/payment/v2`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderId: 'o-strings', feeIds: ['5001'] }),
    });
    expect(pay.status).toBe(400);
    expect((await fetch(`${base}/fees/v2?includepaid=false`, { headers })).status).toBe(400);
    expect((await fetch(`${base}/fees/v2?includepaid=false&includenonpayable=yes`, { headers })).status).toBe(400);
    expect((await fetch(`${base}/fees/v2?includepaid=false&includenonpayable=true`, { headers })).status).toBe(200);
    // And the client never asks for a patron id beyond int64.
    await expect(client.claims(String(2n ** 63n))).rejects.toThrow(/not an FBS patron id/u);
    await expect(client.claims(String(2n ** 63n - 1n))).rejects.not.toThrow(/not an FBS patron id/u);
  });

  it('sends an int64 fee id exactly', async () => {
    sandbox.reset();
    const [confirmation] = await newClient().registerPayment('100004', 'order-big', ['9007199254740993']);
    expect(confirmation).toMatchObject({ feeId: '9007199254740993', paymentStatus: 'paymentRegistered' });
    expect(sandbox.ledger[0]!.feeId).toBe('9007199254740993');
  });

  it('delivers, and delivers again on a retry without a second registration', async () => {
    const target = fbsPaymentTarget(client);
    expect(await target(attempt(['5001']))).toMatchObject({
      kind: 'delivered',
      result: { fees: [{ feeId: '5001', paymentStatus: 'paymentRegistered' }] },
    });
    expect(await target(attempt(['5001']))).toMatchObject({ kind: 'delivered' });
    expect(sandbox.ledger).toHaveLength(1);
  });

  it('flags a fee already paid with another order as a possible double payment', async () => {
    sandbox.markPaidElsewhere('5001');
    const result = await fbsPaymentTarget(client)(attempt(['5001']));
    expect(result).toMatchObject({ kind: 'permanent', result: { flag: 'possible-double-payment' } });
    expect(result.kind === 'permanent' && result.error).toContain('possible double payment');
  });

  it('rejects a fee FBS does not allow the kiosk to take', async () => {
    const result = await fbsPaymentTarget(client)({
      ...attempt(['6001']),
      payload: { ...payload(['6001']), patronId: '100003' },
    });
    expect(result).toMatchObject({ kind: 'permanent' });
    expect(result.kind === 'permanent' && result.error).toContain('paymentNotAllowedByClient');
  });

  it('treats FBS being down, slow or garbled as transient', async () => {
    const target = fbsPaymentTarget(client);
    await client.claims('100002');
    sandbox.setFaults({ status: { code: 503, times: 1 } });
    expect((await target(attempt(['5001']))).kind).toBe('transient');
    sandbox.setFaults({ malformed: { times: 1 } });
    expect((await target(attempt(['5001']))).kind).toBe('transient');
    sandbox.setFaults({ hang: { times: 1 } });
    expect((await target(attempt(['5001']))).kind).toBe('transient');
    sandbox.setFaults({});
    expect((await target(attempt(['5001']))).kind).toBe('delivered');
  });

  it('rejects a payload that is not a valid FBS registration', async () => {
    const result = await fbsPaymentTarget(client)({ ...attempt(['5001']), payload: { nonsense: true } });
    expect(result).toMatchObject({ kind: 'permanent', error: expect.stringContaining('invalid payload') });
  });
});

describe('freshness check before charging', () => {
  it('reports nothing when the claims are as shown', async () => {
    const { claims } = await client.identify('1000000002', '2222');
    expect(await checkClaimsFresh(client, '100002', claims)).toEqual([]);
  });

  it('reports a claim paid, changed, or gone since it was shown', async () => {
    const { claims } = await client.identify('1000000004', '4444');
    const chosen = claims.filter((c) => c.route !== 'not-payable');
    sandbox.markPaidElsewhere('7001');
    sandbox.setAmount('7002', '100');
    sandbox.removeFee('9007199254740993');
    const changes = await checkClaimsFresh(client, '100004', chosen);
    // In the order the claims were shown (oldest first).
    expect(changes.map((c) => [c.feeId, c.kind, c.shownOre, c.nowOre])).toEqual([
      ['7001', 'paid', 4500, 4500],
      ['9007199254740993', 'gone', 2000, null],
      ['7002', 'amount-changed', 12025, 10000],
    ]);
  });
});

describe('FBS and privacy', () => {
  it('never logs a PIN, card number, CPR, the client password or the session key', async () => {
    const { log, lines } = memoryLogger('trace');
    const logged = newClient({ log });
    const errors: string[] = [];
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      await p.catch((e: Error) => errors.push(`${e.name}: ${e.message}`));
    };
    await attempt(logged.identify('0101901234', '4444'));
    await attempt(logged.identify('1000000002', '9876'));
    await attempt(logged.identify('1000000005', '5555'));
    await attempt(logged.preauthenticate('0101901234'));
    sandbox.expireSessions();
    sandbox.setFaults({ hang: { times: 1 }, pathIncludes: '/authenticate/' });
    await attempt(logged.identify('1000000004', '4444'));
    sandbox.setFaults({ malformed: { times: 1 } });
    await attempt(logged.identify('1000000002', '2222'));
    await logged.close();

    const output = lines().join('\n') + errors.join('\n');
    expect(lines().length).toBeGreaterThan(5);
    for (const secret of [
      '0101901234',
      '010190',
      '1000000004',
      '1000000002',
      '1000000005',
      '4444',
      '9876',
      '5555',
      sandbox.client.password,
    ]) {
      expect(output, secret).not.toContain(secret);
    }
    const sessions = sandbox.exchanges
      .filter((e) => e.operation === 'login')
      .map((e) => (e.response as { sessionKey: string }).sessionKey);
    for (const session of sessions) expect(output).not.toContain(session);
  });
});
