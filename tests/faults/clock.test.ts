import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FbsClient } from '../../integrations/fbs/client.js';
import { fbsPaymentTarget } from '../../integrations/fbs/payment-target.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { planDeliveries } from '../../core/deliveries.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../../core/outbox-worker.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';
import { until } from '../support/until.js';

/**
 * The wall clock jumps (an NTP correction after a long offline spell, a kiosk that booted with
 * a wrong clock). The outbox keeps its times as wall-clock milliseconds, so a jump back would
 * strand waiting rows and leases in the future, and a jump forward ends leases early. Each case
 * runs the real worker against the FBS sandbox over HTTP; the FBS ledger says what registered.
 */
const DAY = 24 * 60 * 60 * 1000;
const fbs = new FbsSandbox();
let stores: Stores;
let worker: OutboxWorker | null = null;
let offset = 0;
const clock = (): number => Date.now() + offset;
const { log } = memoryLogger('warn');
let client: FbsClient;

beforeAll(async () => {
  await fbs.start();
  client = new FbsClient({ baseUrl: fbs.url, ...SANDBOX_CLIENT, timeoutMs: 2_000, log });
});
afterAll(async () => {
  await fbs.close();
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  stores.close();
  offset = 0;
  fbs.reset();
});

function startWorker(options: Partial<OutboxWorkerOptions>): void {
  worker = new OutboxWorker(
    stores.outbox,
    {
      concurrency: 2,
      callTimeoutMs: 1_500,
      leaseMs: 2_000,
      baseBackoffMs: 20,
      maxBackoffMs: 200,
      pollIntervalMs: 25,
      ...options,
    },
    log,
    clock,
  );
  worker.register('fbs.payment', fbsPaymentTarget(client));
  worker.start();
}

/** Borrower 100002's two seeded FBS fees, approved: one fbs.payment row. */
function approvedPayment(): string {
  const intent = stores.journal.createIntent({
    channel: 'kiosk',
    patronId: '100002',
    lines: [line('5001', 3000, 'fbs'), line('5002', 5550, 'fbs')],
    actor: 'kiosk',
  });
  stores.journal.markAuthorizing(intent.id);
  stores.journal.approve(intent.id, 'TX-1', planDeliveries(intent, 'TX-1', new Date(clock())));
  return intent.id;
}

const registeredFees = (): string[] => fbs.ledger.map((l) => l.feeId).sort();

describe('clock jumps', () => {
  it('back a day while a registration waits for its retry: it is sent at once, not a day later', async () => {
    stores = openStores(clock);
    const id = approvedPayment();
    fbs.setFaults({ status: { code: 503, times: 1 } });
    startWorker({ baseBackoffMs: 30_000, maxBackoffMs: 60_000 });
    await until('the first attempt to fail', () => stores.outbox.listForPayment(id)[0]!.attempts === 1);
    await until('the retry to be scheduled', () => stores.outbox.listForPayment(id)[0]!.state === 'pending');

    offset = -DAY;
    await until('the registration', () => stores.journal.get(id).state === 'settled', 3_000);
    expect(registeredFees()).toEqual(['5001', '5002']);
  });

  it('back a day with a lease left by a worker that died: the lease ends a lease from now', async () => {
    stores = openStores(clock);
    const id = approvedPayment();
    const [orphan] = stores.outbox.leaseDue(1, 5_000); // leased, then the process died
    expect(orphan?.paymentId).toBe(id);

    offset = -DAY;
    startWorker({ leaseMs: 500, callTimeoutMs: 400 });
    await until('the registration', () => stores.journal.get(id).state === 'settled', 3_000);
    expect(registeredFees()).toEqual(['5001', '5002']);
  });

  it('forward a day during a slow call: sent again under the same order id, registered once', async () => {
    stores = openStores(clock);
    const id = approvedPayment();
    fbs.setFaults({ latencyMs: 700, pathIncludes: '/payment/v' });
    startWorker({ leaseMs: 2_000, callTimeoutMs: 1_500 });
    await until('the first call to arrive at FBS', () => stores.outbox.listForPayment(id)[0]!.state === 'sending');

    offset = DAY; // the lease now looks long expired
    await until('the registration', () => stores.journal.get(id).state === 'settled', 5_000);
    const [row] = stores.outbox.listForPayment(id);
    expect(row!.attempts).toBeGreaterThanOrEqual(2);
    const orders = fbs.exchanges
      .filter((e) => e.operation === 'payFeesV2')
      .map((e) => (e.request as { orderId: string }).orderId);
    expect(new Set(orders)).toEqual(new Set([row!.idempotencyKey]));
    expect(orders.length).toBeGreaterThanOrEqual(2);
    // Both calls answered; FBS registered each fee once.
    await until(
      'both calls answered',
      () => worker !== null && fbs.exchanges.filter((e) => e.operation === 'payFeesV2').length >= 2,
    );
    expect(registeredFees()).toEqual(['5001', '5002']);
  });
});
