import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeNow } from '../../base/loopback-server.js';
import { NetsCloudTerminal } from '../../devices/terminal/nets-cloud/driver.js';
import { TerminalAnswerLostError, TerminalNotReachedError } from '../../ports/payment-terminal.js';
import { memoryLogger } from '../support/fixtures.js';
import { fuzzRuns } from './budget.js';

/**
 * Hostile Connect@Cloud answers over a real socket: whatever the purchase call gets back
 * (broken JSON, unknown shapes, strings for numbers, an approval without its reference, any
 * status), the driver says approved, declined, or "the answer was lost" (a typed error that
 * sends the payment to the look-up) — and says approved only when the answer is an approval
 * Nets' way (Result 0 with a STAN): never an approval from an answer that is not one.
 */
let server: Server;
let next: { status: number; body: string } = { status: 201, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/login') return void res.writeHead(201).end(JSON.stringify({ token: 't' }));
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await closeNow(server);
});

const args = fc.record(
  {
    Result: fc.oneof(fc.constantFrom(0, 1, 99, '0', '99', -1), fc.integer(), fc.string({ maxLength: 4 })),
    StanAuth: fc.oneof(fc.constant(''), fc.string({ maxLength: 12 }), fc.integer()),
    TruncatedPAN: fc.oneof(fc.constant('************0005'), fc.string({ maxLength: 30 })),
    TotalAmount: fc.oneof(fc.integer(), fc.constant('4500'), fc.constant(null)),
    TimeStamp: fc.oneof(
      fc.constant('20261203141500'),
      fc.constant('2026-12-03T13:15:00Z'),
      fc.string({ maxLength: 20 }),
    ),
  },
  { requiredKeys: [] },
);
const answer = fc.oneof(
  fc.record({
    result: fc.array(fc.record({ localModeEventArgs: args, customerReceipt: fc.string() }), { maxLength: 2 }),
  }),
  fc.record({
    failure: fc.oneof(fc.string(), fc.record({ error: fc.string(), localModeEventArgs: args }, { requiredKeys: [] })),
  }),
  fc.jsonValue(),
);
const body = fc.oneof(
  answer.map((a) => JSON.stringify(a)),
  answer.map((a) => JSON.stringify(a).slice(0, 20)),
  fc.string({ maxLength: 200 }),
);

/** What the driver may call an approval: Nets' own approval, Result 0 with a STAN/auth reference. */
function isApproval(text: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  const v = value as {
    result?: { localModeEventArgs?: { Result?: unknown; StanAuth?: unknown } }[];
    failure?: { localModeEventArgs?: { Result?: unknown; StanAuth?: unknown } };
  };
  const a = Array.isArray(v?.result) ? v.result[0]?.localModeEventArgs : v?.failure?.localModeEventArgs;
  return (a?.Result === 0 || a?.Result === '0') && typeof a.StanAuth === 'string' && a.StanAuth !== '';
}

describe('Nets driver: hostile purchase answers', () => {
  it('approved only for an approval; otherwise declined or a lost answer, never a crash', async () => {
    const terminal = new NetsCloudTerminal({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      username: 'u',
      password: 'p',
      terminalId: 'T1',
      purchaseTimeoutMs: 2_000,
      requestTimeoutMs: 1_000,
      maxTransitMs: 100,
      timeZone: 'Europe/Copenhagen',
      log: memoryLogger('fatal').log,
    });
    try {
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom(200, 201, 400, 401, 404, 500, 502), async (text, status) => {
          next = { status, body: text };
          let outcome: Awaited<ReturnType<NetsCloudTerminal['pay']>> | null = null;
          try {
            outcome = await terminal.pay({
              paymentId: 'p',
              requestRef: terminal.newRequestRef(),
              amountOre: 4500,
              currency: 'DKK',
            });
          } catch (error) {
            expect(error instanceof TerminalAnswerLostError || error instanceof TerminalNotReachedError).toBe(true);
            return;
          }
          if (outcome.outcome === 'approved') {
            expect([200, 201, 400]).toContain(status);
            expect(isApproval(text)).toBe(true);
            expect(JSON.stringify(outcome)).not.toMatch(/\d{13,}/u);
          }
        }),
        fuzzRuns(300),
      );
    } finally {
      await terminal.close();
    }
  });
});
