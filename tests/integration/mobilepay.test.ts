import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MobilePayPayments } from '../../integrations/mobilepay/client.js';
import { MobilePaySandbox } from '../../integrations/mobilepay/sandbox/server.js';
import { QR_LIFETIME_MS } from '../../integrations/mobilepay/wire.js';
import { TerminalAnswerLostError, TerminalRejectedError } from '../../ports/payment-terminal.js';
import { memoryLogger } from '../support/fixtures.js';
import { mobilePayFor, startPayment } from '../support/mobilepay.js';

/**
 * The MobilePay client against the ePayment sandbox over HTTPS: the QR shown, the borrower's
 * answer in the app played by the sandbox, capture only after approval, cancel on the screen,
 * the QR's expiry, lost answers settled by looking the payment up (never a second create), and
 * a staff void as a refund. The sandbox's ledger says what money moved.
 */
let sandbox: MobilePaySandbox;
let client: MobilePayPayments;
const { log } = memoryLogger();

beforeAll(async () => {
  sandbox = new MobilePaySandbox();
  await sandbox.start();
  client = mobilePayFor(sandbox, { log });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(() => sandbox.setFaults({}));

describe('MobilePay through the ePayment API', () => {
  it('approved in the app: captured once, approved with the PSP reference; the QR carries the payment', async () => {
    const p = startPayment(client, 8550);
    const qr = await p.shown;
    expect(qr.svg).toContain(`/phone/${p.paymentId}`);
    expect(Date.parse(qr.expiresAt) - sandbox.now()).toBeGreaterThan(QR_LIFETIME_MS - 5_000);
    sandbox.approve(p.paymentId);
    const outcome = await p.result;
    const payment = sandbox.payments.get(p.paymentId)!;
    expect(outcome).toMatchObject({
      outcome: 'approved',
      transactionRef: payment.pspReference,
      authorizedOre: 8550,
      card: { scheme: 'MobilePay', last4: null },
    });
    expect(payment).toMatchObject({ state: 'AUTHORIZED', capturedOre: 8550 });
    expect(payment.events.map((e) => e.name)).toEqual(['CREATED', 'AUTHORIZED', 'CAPTURED']);
    // The create carried the payment id as its Idempotency-Key; the capture its own key.
    expect(payment.events.map((e) => e.idempotencyKey)).toEqual([p.paymentId, null, `${p.paymentId}-capture`]);
  });

  it('declined in the app, cancelled on the screen, or left until the QR expired: nothing taken', async () => {
    const rejected = startPayment(client, 1000);
    await rejected.shown;
    sandbox.reject(rejected.paymentId);
    expect(await rejected.result).toMatchObject({ outcome: 'declined', reason: 'cancelled' });

    const cancelled = startPayment(client, 1000);
    await cancelled.shown;
    await client.abort(cancelled.paymentId);
    expect(await cancelled.result).toMatchObject({ outcome: 'declined', reason: 'aborted' });
    expect(sandbox.payments.get(cancelled.paymentId)!.state).toBe('TERMINATED');

    const expired = startPayment(client, 1000);
    await expired.shown;
    sandbox.advanceClock(QR_LIFETIME_MS + 1_000);
    expect(await expired.result).toMatchObject({ outcome: 'declined', reason: 'expired' });
    expect(sandbox.payments.get(expired.paymentId)!.state).toBe('EXPIRED');
    for (const id of [rejected.paymentId, cancelled.paymentId, expired.paymentId])
      expect(sandbox.payments.get(id)!.capturedOre).toBe(0);
  });

  it('approved in the app as the borrower cancels on the screen: the cancel wins, the reservation is released', async () => {
    const p = startPayment(client, 2500);
    await p.shown;
    sandbox.approve(p.paymentId);
    await client.abort(p.paymentId);
    const outcome = await p.result;
    const payment = sandbox.payments.get(p.paymentId)!;
    // Either the kiosk saw the approval first (captured: a normal approval) or the cancel (released).
    if (outcome.outcome === 'approved') expect(payment.capturedOre).toBe(2500);
    else expect(payment).toMatchObject({ state: 'TERMINATED', capturedOre: 0, cancelledOre: 2500 });
  });

  it('the create’s answer lost: the look-up finds the payment, cancels it (no QR was shown), and never creates again', async () => {
    sandbox.setFaults({ pathIncludes: '/epayment/v1/payments', dropAnswer: true });
    const p = startPayment(client, 4500);
    await expect(p.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    sandbox.setFaults({});
    expect(sandbox.payments.get(p.paymentId)!.state).toBe('CREATED');
    expect(await client.status({ paymentId: p.paymentId, requestRef: p.paymentId })).toEqual({
      state: 'final',
      outcome: expect.objectContaining({ outcome: 'declined' }) as unknown,
    });
    expect(sandbox.payments.get(p.paymentId)!.state).toBe('TERMINATED');
    expect([...sandbox.payments.keys()].filter((k) => k === p.paymentId)).toHaveLength(1);
  });

  it('approved, then the kiosk lost the capture’s answer: the look-up captures with the same key, once', async () => {
    const p = startPayment(client, 3000);
    await p.shown;
    sandbox.setFaults({ pathIncludes: '/capture', dropAnswer: true });
    sandbox.approve(p.paymentId);
    await expect(p.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    sandbox.setFaults({});
    const status = await client.status({ paymentId: p.paymentId, requestRef: p.paymentId });
    expect(status).toMatchObject({ state: 'final', outcome: { outcome: 'approved', authorizedOre: 3000 } });
    const payment = sandbox.payments.get(p.paymentId)!;
    expect(payment.capturedOre).toBe(3000);
    expect(payment.events.filter((e) => e.name === 'CAPTURED')).toHaveLength(1);
  });

  it('approved in the app while the kiosk was away: recovery captures it; unknown references are "not found"', async () => {
    const p = startPayment(client, 1200);
    await p.shown;
    sandbox.setFaults({ pathIncludes: `/payments/${p.paymentId}`, status: { code: 503, times: 1_000 } });
    sandbox.approve(p.paymentId);
    sandbox.advanceClock(QR_LIFETIME_MS + 5_000);
    await expect(p.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    sandbox.setFaults({});
    expect(await client.status({ paymentId: p.paymentId, requestRef: p.paymentId })).toMatchObject({
      state: 'final',
      outcome: { outcome: 'approved' },
    });
    expect(await client.status({ paymentId: 'x', requestRef: '00000000-0000-4000-8000-000000000000' })).toEqual({
      state: 'not-found',
    });
  });

  it('a staff void refunds what was captured; the token is renewed when it expires', async () => {
    const p = startPayment(client, 5550);
    await p.shown;
    sandbox.approve(p.paymentId);
    const outcome = await p.result;
    // Every token expired, through the sandbox's control endpoint as a technician would do it.
    const { request, Agent } = await import('undici');
    const control = new Agent({ connect: { ca: sandbox.caPem } });
    await request(`${sandbox.url}/control/expire-tokens`, { method: 'POST', dispatcher: control }).then((r) =>
      r.body.dump(),
    );
    await control.close();
    const before = sandbox.unauthorized;
    expect(
      await client.reverse({
        paymentId: p.paymentId,
        transactionRef: outcome.outcome === 'approved' ? outcome.transactionRef : '',
        transactionTime: new Date().toISOString(),
        amountOre: 5550,
      }),
    ).toEqual({ outcome: 'reversed' });
    expect(sandbox.unauthorized).toBe(before + 1);
    expect(sandbox.capturedByReference().get(p.paymentId)).toBe(0);
  });

  it('wrong credentials: refused before any payment exists; health says not configured', async () => {
    const wrong = mobilePayFor(sandbox, { log, clientSecret: 'wrong' });
    try {
      expect(await wrong.health()).toMatchObject({ available: false, reason: 'not-configured' });
      const p = startPayment(wrong, 1000);
      await expect(p.result).rejects.toBeInstanceOf(TerminalRejectedError);
      expect(sandbox.payments.has(p.paymentId)).toBe(false);
    } finally {
      await wrong.close();
    }
    expect(await client.health()).toEqual({ available: true });
  });

  it('the sandbox keeps the API’s rules: idempotency, one payment per reference, rate limits', async () => {
    const p = startPayment(client, 1000);
    await p.shown;
    await client.abort(p.paymentId);
    await p.result;
    // The same create again, with its key: the first answer, no second payment. Another key: conflict.
    const again = await sandboxCall('POST', '/epayment/v1/payments', createBody(p.paymentId), p.paymentId);
    expect(again.status).toBe(201);
    const other = await sandboxCall('POST', '/epayment/v1/payments', createBody(p.paymentId), 'another-key');
    expect(other.status).toBe(409);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await sandboxCall('POST', `/epayment/v1/payments/${p.paymentId}/cancel`, '{}', `k${i}`)).status);
    expect(statuses.slice(0, 4).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

function createBody(reference: string): string {
  return JSON.stringify({
    amount: { currency: 'DKK', value: 1000 },
    paymentMethod: { type: 'WALLET' },
    reference,
    userFlow: 'QR',
    qrFormat: { format: 'TEXT/TARGETURL' },
    customerInteraction: 'CUSTOMER_PRESENT',
    paymentDescription: 'Gebyrer, Demo Bibliotek',
  });
}

/** A raw call with a fresh token, as any API client would make it. */
async function sandboxCall(method: 'GET' | 'POST', path: string, body: string, key: string) {
  const { request, Agent } = await import('undici');
  const agent = new Agent({ connect: { ca: sandbox.caPem } });
  try {
    const base = {
      'ocp-apim-subscription-key': sandbox.subscriptionKey,
      'merchant-serial-number': sandbox.merchantSerialNumber,
    };
    const token = await request(`${sandbox.url}/accesstoken/get`, {
      method: 'POST',
      dispatcher: agent,
      headers: { ...base, client_id: sandbox.clientId, client_secret: sandbox.clientSecret },
    });
    const { access_token } = (await token.body.json()) as { access_token: string };
    const response = await request(`${sandbox.url}${path}`, {
      method,
      dispatcher: agent,
      headers: {
        ...base,
        authorization: `Bearer ${access_token}`,
        'idempotency-key': key,
        'content-type': 'application/json',
      },
      body,
    });
    await response.body.text();
    return { status: response.statusCode };
  } finally {
    await agent.close();
  }
}
