import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fullJitterBackoff } from '../../base/backoff.js';
import { planDeliveries } from '../../core/deliveries.js';
import { OutboxWorker, type OutboxWorkerOptions } from '../../core/outbox-worker.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { httpJsonTarget } from '../support/http-target.js';
import { startJsonServer } from '../support/http-server.js';
import { startStandinTarget, type StandinTarget } from '../support/standin-target.js';
import { openStores, type Stores } from '../support/stores.js';

const FAST: OutboxWorkerOptions = {
  concurrency: 4,
  callTimeoutMs: 300,
  leaseMs: 600,
  baseBackoffMs: 20,
  maxBackoffMs: 100,
  pollIntervalMs: 25,
};

let s: Stores;
let remote: StandinTarget;
let worker: OutboxWorker;

beforeEach(async () => {
  s = openStores();
  remote = await startStandinTarget();
});
afterEach(async () => {
  await worker?.stop();
  await remote.close();
  s.close();
});

function startWorker(options: Partial<OutboxWorkerOptions> = {}, url = remote.url): OutboxWorker {
  worker = new OutboxWorker(s.outbox, { ...FAST, ...options }, memoryLogger().log);
  worker.register('fbs.payment', httpJsonTarget(`${url}/fbs`));
  worker.register('oeir.indbetaling', httpJsonTarget(`${url}/oeir`));
  worker.start();
  return worker;
}

function approve(feeId = '1', route: 'fbs' | 'debtor' = 'fbs'): string {
  const intent = s.journal.createIntent({
    channel: 'kiosk',
    patronId: 'patron-1',
    lines: [line(feeId, 1500, route)],
    actor: 'kiosk',
  });
  s.journal.markAuthorizing(intent.id);
  s.journal.approve(intent.id, 'TX-1', planDeliveries(intent, 'TX-1', new Date()));
  return intent.id;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('outbox worker over HTTP', () => {
  it('delivers with the idempotency key and settles the payment', async () => {
    const id = approve('1', 'fbs');
    startWorker();
    await until(() => s.journal.get(id).state === 'settled');
    expect(remote.requests).toHaveLength(1);
    expect(remote.requests[0]).toMatchObject({ path: '/fbs', idempotencyKey: `${id}-fbs` });
    expect((remote.requests[0]!.body as { payload: { claims: unknown[] } }).payload.claims).toEqual([
      { claimId: 'fbs:1', feeId: '1', amountOre: 1500 },
    ]);
    expect(s.outbox.listForPayment(id)[0]).toMatchObject({
      state: 'delivered',
      attempts: 1,
      result: { status: 'registered' },
    });
  });

  it('retries transient failures with backoff, same key every time', async () => {
    remote.behave((_d, nth) => (nth <= 2 ? { status: 503, body: { error: 'busy' } } : undefined));
    const id = approve();
    startWorker();
    await until(() => s.journal.get(id).state === 'settled');
    expect(remote.requests.map((r) => r.idempotencyKey)).toEqual([`${id}-fbs`, `${id}-fbs`, `${id}-fbs`]);
    expect(s.outbox.listForPayment(id)[0]).toMatchObject({ state: 'delivered', attempts: 3 });
  });

  it('waits while the remote is unreachable and delivers once it is back', async () => {
    const down = await startJsonServer(() => ({ status: 200, body: {} }));
    const deadUrl = down.url;
    await down.close(); // nothing listens on this port now
    const id = approve();
    startWorker({}, deadUrl);
    await until(() => (s.outbox.listForPayment(id)[0]?.attempts ?? 0) >= 3);
    const waiting = s.outbox.listForPayment(id)[0]!;
    expect(['pending', 'sending']).toContain(waiting.state);
    expect(waiting.lastError).toMatch(/network/);
    expect(s.journal.get(id).state).toBe('approved');
    await worker.stop();

    // The link returns (here: a worker pointed at the live stand-in picks the row up).
    startWorker();
    await until(() => s.journal.get(id).state === 'settled');
    expect(remote.registered.size).toBe(1);
  });

  it('rejects on a business refusal and flags the payment for staff', async () => {
    remote.behave(() => ({ status: 422, body: { paymentStatus: 'paymentNotAllowedByClient' } }));
    const id = approve();
    startWorker();
    await until(() => s.journal.get(id).state === 'needs_attention');
    const row = s.outbox.listForPayment(id)[0]!;
    expect(row).toMatchObject({ state: 'rejected', attempts: 1 });
    expect(row.lastError).toContain('paymentNotAllowedByClient');
    const audit = s.db.prepare("SELECT action FROM audit_log WHERE subject = ? AND action LIKE 'delivery.%'").all(id);
    expect(audit).toEqual([{ action: 'delivery.rejected' }]);
  });

  it('treats a call that takes too long as transient', async () => {
    const slow = await startJsonServer(async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return { status: 200, body: {} };
    });
    try {
      const id = approve();
      startWorker({ callTimeoutMs: 100, leaseMs: 1000 }, slow.url);
      await until(() => (s.outbox.listForPayment(id)[0]?.lastError ?? '').includes('timed out'));
      expect(s.journal.get(id).state).toBe('approved');
    } finally {
      await worker.stop();
      await slow.close();
    }
  });

  it('retries a row whose lease expired (its worker died), and ignores the dead lease holder', async () => {
    const id = approve();
    const [orphan] = s.outbox.leaseDue(1, 200); // a worker that leased and then died
    expect(orphan).toBeDefined();
    startWorker({ leaseMs: 600 });
    await until(() => s.journal.get(id).state === 'settled');
    expect(s.outbox.markDelivered(orphan!, {})).toBe(false);
    expect(s.outbox.listForPayment(id)[0]).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('survives the database refusing a write mid-delivery, and delivers once writes work again', async () => {
    const id = approve();
    let refused = false;
    const { log, lines } = memoryLogger();
    // The second attempt comes when the first one's lease expires (its outcome could not be
    // written). The call timeout is generous so a loaded machine cannot turn it into a third.
    worker = new OutboxWorker(s.outbox, { ...FAST, callTimeoutMs: 1_000, leaseMs: 1_200 }, log);
    const http = httpJsonTarget(`${remote.url}/fbs`);
    worker.register('fbs.payment', async (attempt) => {
      const result = await http(attempt);
      if (!refused) {
        refused = true;
        s.db.pragma('query_only = ON'); // like a full disk: every write fails
        setTimeout(() => s.db.pragma('query_only = OFF'), 150);
      }
      return result;
    });
    worker.start();
    await until(() => s.journal.get(id).state === 'settled');
    expect(s.outbox.listForPayment(id)[0]).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(remote.registered.size).toBe(1); // the second attempt reused the key
    expect(lines().some((l) => l.includes('could not record the outcome'))).toBe(true);
  });

  it('sleeps while every slot is busy instead of polling the database in a loop', async () => {
    for (let i = 0; i < 5; i++) approve(String(i));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    worker = new OutboxWorker(
      s.outbox,
      { ...FAST, concurrency: 1, pollIntervalMs: 1000, leaseMs: 5000, callTimeoutMs: 4000 },
      memoryLogger().log,
    );
    worker.register('fbs.payment', async () => {
      await gate;
      return { kind: 'delivered' };
    });
    const leases = vi.spyOn(s.outbox, 'leaseDue');
    const dueChecks = vi.spyOn(s.outbox, 'nextDueAt');
    worker.start();
    await new Promise((r) => setTimeout(r, 300));
    // One lease when started; with the only slot busy, no database work until the call finishes.
    expect(leases.mock.calls.length).toBe(1);
    expect(dueChecks.mock.calls.length).toBe(0);
    release();
    await until(() => s.outbox.counts().delivered === 5);
  });

  it('does not spin while fewer slots are free than a batch, and delivers everything', async () => {
    for (let i = 0; i < 20; i++) approve(String(i));
    const gates: (() => void)[] = [];
    worker = new OutboxWorker(
      s.outbox,
      { ...FAST, concurrency: 8, pollIntervalMs: 1000, leaseMs: 5000, callTimeoutMs: 4000 },
      memoryLogger().log,
    );
    worker.register('fbs.payment', () => new Promise((resolve) => gates.push(() => resolve({ kind: 'delivered' }))));
    worker.start();
    await until(() => gates.length === 8);
    const dueChecks = vi.spyOn(s.outbox, 'nextDueAt');
    const leases = vi.spyOn(s.outbox, 'leaseDue');
    gates.shift()!(); // one call finishes: 7 in flight, 1 slot free, a batch is 2
    await new Promise((r) => setTimeout(r, 300));
    expect(dueChecks.mock.calls.length).toBeLessThanOrEqual(1);
    expect(leases.mock.calls.length).toBe(0);
    const releaseAll = setInterval(() => gates.splice(0).forEach((open) => open()), 5);
    await until(() => s.outbox.counts().delivered === 20);
    clearInterval(releaseAll);
  });

  it('keeps a row for a target nobody registered, without rejecting it', async () => {
    const intent = s.journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('9', 100)], actor: 'kiosk' });
    s.journal.markAuthorizing(intent.id);
    s.journal.approve(intent.id, 'TX', [{ target: 'future.target', idempotencyKey: 'k-1', payload: {} }]);
    startWorker();
    await until(() => (s.outbox.listForPayment(intent.id)[0]?.attempts ?? 0) >= 2);
    expect(s.outbox.listForPayment(intent.id)[0]!.lastError).toMatch(/no handler registered/);
    expect(s.journal.get(intent.id).state).toBe('approved');
  });
});

describe('full-jitter backoff', () => {
  it('stays within [0, min(cap, base·2^(n-1))]', () => {
    expect(fullJitterBackoff(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterBackoff(4, 100, 10_000, () => 0.999)).toBe(799);
    expect(fullJitterBackoff(20, 100, 10_000, () => 0.999)).toBe(9990);
    expect(fullJitterBackoff(3, 100, 10_000, () => 0)).toBe(0);
    expect(fullJitterBackoff(1000, 100, 10_000, () => 0.5)).toBe(5000);
  });
});
