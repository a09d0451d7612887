import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../support/stores.js';

let now = 1_000_000;
let s: Stores;
beforeEach(() => {
  now = 1_000_000;
  s = openStores(() => now);
  s.db.transaction(() => {
    s.outbox.enqueue({ target: 't', idempotencyKey: 'k-1', payload: { a: 1 } });
    s.outbox.enqueue({ target: 't', idempotencyKey: 'k-2', payload: { a: 2 } });
  })();
});
afterEach(() => s.close());

describe('outbox store', () => {
  it('fixes the idempotency key at creation and refuses a second row with the same key', () => {
    expect(() => s.outbox.enqueue({ target: 't', idempotencyKey: 'k-1', payload: {} })).toThrow(/UNIQUE/);
  });

  it('leases only due rows, once, and counts attempts', () => {
    const first = s.outbox.leaseDue(10, 1000);
    expect(first.map((r) => [r.idempotencyKey, r.state, r.attempts])).toEqual([
      ['k-1', 'sending', 1],
      ['k-2', 'sending', 1],
    ]);
    expect(s.outbox.leaseDue(10, 1000)).toEqual([]); // still leased
  });

  it('honours the retry time', () => {
    const [row] = s.outbox.leaseDue(1, 1000);
    s.outbox.markRetry(row!, 'HTTP 503', 5000);
    now += 4999;
    expect(s.outbox.leaseDue(10, 1000).map((r) => r.idempotencyKey)).toEqual(['k-2']);
    now += 1;
    expect(s.outbox.leaseDue(10, 1000).map((r) => [r.idempotencyKey, r.attempts, r.lastError])).toEqual([
      ['k-1', 2, 'HTTP 503'],
    ]);
  });

  it('gives an expired lease to a new attempt, and then only the new holder can finish it', () => {
    const [stale] = s.outbox.leaseDue(1, 1000);
    now += 1000;
    const [fresh] = s.outbox.leaseDue(1, 1000);
    expect(fresh!.id).toBe(stale!.id);
    expect(fresh!.leaseToken).not.toBe(stale!.leaseToken);
    expect(fresh!.idempotencyKey).toBe(stale!.idempotencyKey);
    // The stale holder wakes up while the new attempt is still in flight.
    expect(s.outbox.markDelivered(stale!, {})).toBe(false);
    expect(s.outbox.markRejected(stale!, 'late')).toBe(false);
    expect(s.outbox.markRetry(stale!, 'late', 0)).toBe(false);
    expect(s.outbox.get(stale!.id)).toMatchObject({ state: 'sending', leaseToken: fresh!.leaseToken });
    expect(s.outbox.markDelivered(fresh!, { ok: true })).toBe(true);
    expect(s.outbox.get(stale!.id)).toMatchObject({ state: 'delivered', attempts: 2, result: { ok: true } });
  });

  it('when a row gets through after failing, the rows of that target waiting after a failure are due at once', () => {
    s.outbox.enqueue({ target: 'other', idempotencyKey: 'o-1', payload: {} });
    for (const row of s.outbox.leaseDue(10, 1000)) s.outbox.markRetry(row, 'HTTP 503', 60_000 * row.id);
    now += 60_000; // k-1's backoff is over; k-2's and o-1's are not
    const [back] = s.outbox.leaseDue(1, 1000);
    expect(back).toMatchObject({ idempotencyKey: 'k-1', attempts: 2 });
    s.outbox.enqueue({ target: 't', idempotencyKey: 'k-3', payload: {} }); // not tried yet: due now anyway
    expect(s.outbox.markDelivered(back!, {})).toBe(true);
    // k-2 (same target, failed before) is due now; o-1 (another system) keeps its backoff.
    expect(s.outbox.leaseDue(10, 1000).map((r) => r.idempotencyKey)).toEqual(['k-2', 'k-3']);
    expect(s.outbox.get(3)).toMatchObject({ idempotencyKey: 'o-1', state: 'pending', nextAttemptAt: 1_180_000 });
  });

  it('a first-time delivery moves no other row', () => {
    const [first, second] = s.outbox.leaseDue(2, 1000);
    s.outbox.markRetry(second!, 'HTTP 503', 60_000);
    expect(s.outbox.markDelivered(first!, {})).toBe(true);
    expect(s.outbox.get(second!.id)).toMatchObject({ state: 'pending', nextAttemptAt: now + 60_000 });
  });

  it('reports when the next row is due', () => {
    expect(s.outbox.nextDueAt()).toBe(now);
    s.outbox.leaseDue(10, 1000);
    expect(s.outbox.nextDueAt()).toBe(now + 1000);
  });

  it('keeps a huge remote error short', () => {
    const [row] = s.outbox.leaseDue(1, 1000);
    s.outbox.markRetry(row!, 'x'.repeat(100_000), 0);
    expect(s.outbox.get(row!.id)!.lastError!.length).toBeLessThanOrEqual(2001);
  });
});
