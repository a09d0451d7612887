import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OeirLink } from '../../integrations/oeir/link.js';
import { oeirPaymentTarget } from '../../integrations/oeir/payment-target.js';
import { OEIR_PAYMENT_TARGET } from '../../ports/outbox-target.js';
import { planDeliveries } from '../../core/deliveries.js';
import { OutboxWorker } from '../../core/outbox-worker.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';
import { openStores, type Stores } from '../support/stores.js';
import { until } from '../support/until.js';

/**
 * ØiR is down while 500 borrowers pay; it comes back; every payment reaches the debtor system
 * exactly once and is settled. Real sockets and TLS throughout; only the clock that decides
 * when a retry is due is moved by the test, so the backoff does not take real minutes.
 */
const PAYMENTS = 500;
const feeIdFor = (i: number): string => String(200_000 + i);

let f: OeirFixture;
let s: Stores;
let now = Date.now();
const clock = (): number => now;

beforeAll(async () => {
  const claims = Object.fromEntries(Array.from({ length: PAYMENTS }, (_, i) => [feeIdFor(i), 5000]));
  f = await startOeirFixture(claims);
  s = openStores(clock);
});
afterAll(async () => {
  await f.close();
  s.close();
});

describe('ØiR outage', () => {
  it('queues 500 payments while ØiR is down and delivers each exactly once when it returns', async () => {
    const port = Number(new URL(f.sandbox.url).port);
    await f.sandbox.close(); // ØiR goes down

    const link = new OeirLink(
      await f.client({ timeoutMs: 1000 }),
      { failuresToOpen: 5, halfOpenAfterMs: 200 },
      memoryLogger().log,
    );
    const statuses: boolean[] = [];
    link.onStatus((status) => statuses.push(status.online));
    const worker = new OutboxWorker(
      s.outbox,
      {
        concurrency: 8,
        callTimeoutMs: 2000,
        leaseMs: 5000,
        baseBackoffMs: 1000,
        maxBackoffMs: 600_000,
        pollIntervalMs: 20,
      },
      memoryLogger().log,
      clock,
    );
    worker.register(OEIR_PAYMENT_TARGET, oeirPaymentTarget(link, 'Kiosk 1'));
    worker.start();

    const ids: string[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const intent = s.journal.createIntent({
        channel: 'kiosk',
        patronId: '100003',
        lines: [line(feeIdFor(i), 5000, 'debtor')],
        actor: 'kiosk',
      });
      s.journal.markAuthorizing(intent.id);
      s.journal.approve(intent.id, `TX-${i}`, planDeliveries(intent, `TX-${i}`, new Date(now)));
      worker.wake();
      ids.push(intent.id);
    }
    // Every row is tried once and then waits for its (fake-clock) retry time.
    await until(
      'first attempts',
      () =>
        s.outbox.counts().pending === PAYMENTS &&
        (s.db.prepare('SELECT MIN(attempts) AS m FROM outbox').get() as { m: number }).m >= 1,
      60_000,
    );
    expect(link.status.online).toBe(false);
    expect(s.outbox.counts()).toMatchObject({ delivered: 0, rejected: 0 });
    expect(s.journal.listByState(['approved'])).toHaveLength(PAYMENTS);

    await f.sandbox.start(port); // ØiR is back on the same address
    await new Promise((r) => setTimeout(r, 250)); // the breaker's real half-open wait
    now += 60 * 60 * 1000; // an hour later on the retry clock: every backoff has run out
    worker.wake();
    await until('all deliveries', () => s.outbox.counts().delivered === PAYMENTS, 60_000);
    await worker.stop();
    link.close();

    expect(f.sandbox.ledger.size).toBe(PAYMENTS);
    for (const id of ids) expect(f.sandbox.ledger.get(id)?.amountOre).toBe(5000);
    expect(s.journal.listByState(['settled'])).toHaveLength(PAYMENTS);
    expect(s.outbox.counts()).toEqual({
      pending: 0,
      sending: 0,
      delivered: PAYMENTS,
      rejected: 0,
      held: 0,
      cancelled: 0,
    });
    expect(statuses).toEqual([false, true]);
  });
});
