import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow } from '../../base/loopback-server.js';
import { MobilePayPayments } from '../../integrations/mobilepay/client.js';
import { TerminalAnswerLostError, TerminalNotReachedError } from '../../ports/payment-terminal.js';
import { memoryLogger } from '../support/fixtures.js';
import { fuzzRuns } from './budget.js';

/**
 * Hostile ePayment answers over a real socket: whatever the look-up, capture and cancel calls get
 * back (broken JSON, unknown states, strings for amounts, a capture that says nothing was taken,
 * any status), the client says approved, declined, or "the answer was lost" (a typed error that
 * sends the payment to recovery) — and approved only when Vipps MobilePay's own answer says money
 * was captured: never an approval from an answer that is not one.
 */
let server: Server;
/** What the look-up and the modifications answer in this run. */
let answers: { get: { status: number; body: string }; modify: { status: number; body: string } };
/** Did an answer the client read say money was captured (the only ground for an approval)? */
let capturedSaid = false;

function saysCaptured(text: string): boolean {
  try {
    const v = JSON.parse(text) as { aggregate?: { capturedAmount?: { value?: unknown } }; reference?: unknown };
    const value = v?.aggregate?.capturedAmount?.value;
    return typeof value === 'number' && value > 0;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      const send = (status: number, body: string) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      if (path === '/accesstoken/get') return send(200, JSON.stringify({ access_token: 't', expires_in: '3600' }));
      if (req.method === 'POST' && path === '/epayment/v1/payments')
        return send(201, JSON.stringify({ reference: 'r', redirectUrl: 'https://qr.example/x' }));
      const answer = req.method === 'GET' ? answers.get : answers.modify;
      if (answer.status === 200 && saysCaptured(answer.body)) capturedSaid = true;
      send(answer.status, answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await closeNow(server);
});

const amount = fc.record(
  {
    currency: fc.constantFrom('DKK', 'NOK', ''),
    value: fc.oneof(fc.integer({ min: -5, max: 10_000 }), fc.constant('100')),
  },
  { requiredKeys: [] },
);
const payment = fc.record(
  {
    reference: fc.oneof(fc.constant('r'), fc.string({ maxLength: 60 })),
    state: fc.oneof(fc.constantFrom('CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'), fc.string()),
    amount,
    aggregate: fc.record(
      { authorizedAmount: amount, capturedAmount: amount, cancelledAmount: amount, refundedAmount: amount },
      { requiredKeys: [] },
    ),
    pspReference: fc.oneof(fc.uuid(), fc.integer()),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  payment.map((p) => JSON.stringify(p)),
  payment.map((p) => JSON.stringify(p).slice(0, 25)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
);
const status = fc.constantFrom(200, 200, 200, 400, 401, 404, 409, 429, 500);

describe('MobilePay client: hostile ePayment answers', () => {
  it('approved only when Vipps MobilePay said money was captured; otherwise declined or lost, never a crash', async () => {
    const client = new MobilePayPayments({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      clientId: 'c',
      clientSecret: 's',
      subscriptionKey: 'k',
      merchantSerialNumber: '123456',
      systemName: 'fuzz',
      systemVersion: '0',
      firstPollMs: 1,
      pollIntervalMs: 1,
      // A short QR life: a payment the answers keep "waiting" is cancelled at once.
      qrLifetimeMs: 5,
      requestTimeoutMs: 1_000,
      maxTransitMs: 5,
      paymentDescription: 'fuzz',
      drawQr: (content) => Promise.resolve(content),
      log: memoryLogger('fatal').log,
    });
    try {
      await fc.assert(
        fc.asyncProperty(body, status, body, status, async (getBody, getStatus, modifyBody, modifyStatus) => {
          answers = { get: { status: getStatus, body: getBody }, modify: { status: modifyStatus, body: modifyBody } };
          capturedSaid = false;
          const paymentId = randomUUID();
          let outcome: Awaited<ReturnType<MobilePayPayments['pay']>>;
          try {
            outcome = await client.pay({ paymentId, requestRef: paymentId, amountOre: 4500, currency: 'DKK' });
          } catch (error) {
            expect(error instanceof TerminalAnswerLostError || error instanceof TerminalNotReachedError).toBe(true);
            return;
          }
          if (outcome.outcome === 'approved') {
            expect(capturedSaid).toBe(true);
            expect(outcome.authorizedOre).toBeGreaterThan(0);
          }
        }),
        fuzzRuns(200),
      );
    } finally {
      await client.close();
    }
  });
});
