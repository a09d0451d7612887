import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalClosings } from '../../core/terminal-closing.js';
import { TerminalClosingStore } from '../../db/terminal-closings.js';
import type { NetsCloudTerminal } from '../../devices/terminal/nets-cloud/driver.js';
import { netsDriverFor } from '../support/nets.js';
import { NetsCloudSimulator } from '../../devices/terminal/nets-cloud/simulator.js';
import { memoryLogger } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';

/**
 * Closing the terminal's day through the running kiosk (core/terminal-closing.ts) with the real
 * journal and the Nets driver against the Connect@Cloud simulator: requests wait while a borrower
 * is at the screen, run one at a time, keep the printout beside the kiosk's card total, and say
 * why when the terminal refuses. `kiosk terminal reconcile` writing such a request from its own
 * process is tested in boot.test.ts.
 */
let sim: NetsCloudSimulator;
let terminal: NetsCloudTerminal;
let stores: Stores;
let store: TerminalClosingStore;
let blocked: { message: string; code: 'borrower-session-open' | 'payment-in-progress' } | null = null;
let closings: TerminalClosings;

beforeAll(async () => {
  sim = new NetsCloudSimulator({ timing: { stepMs: 5, terminalTimeoutMs: 2_000, slowMs: 100 } });
  await sim.start();
  const { log } = memoryLogger();
  terminal = netsDriverFor(sim, { log });
  stores = openStores();
  store = new TerminalClosingStore(stores.db, stores.audit);
  closings = new TerminalClosings({
    store,
    terminal,
    kioskCard: () => ({ count: 2, ore: 17_100 }),
    blockedBy: () => blocked,
    log,
    pollMs: 60_000, // the test calls pickUp itself
  });
});
afterAll(async () => {
  await closings.stop();
  await terminal.close();
  await sim.close();
  stores.close();
});

describe('closing the terminal’s day', () => {
  it('a request from the command line waits while a borrower is at the screen, then runs once', async () => {
    const id = randomUUID();
    store.request({ id, actor: 'cli:tech' });
    blocked = { message: 'a borrower session is open: finish it first', code: 'borrower-session-open' };
    expect(await closings.pickUp()).toBeNull();
    expect(store.get(id)).toMatchObject({ state: 'requested', detail: `waiting: ${blocked.message}` });
    blocked = null;
    const done = await closings.pickUp();
    expect(done).toMatchObject({
      id,
      state: 'done',
      requestedBy: 'cli:tech',
      session: expect.any(String),
      kioskCard: { count: 2, ore: 17_100 },
      detail: null,
    });
    expect(done!.lines).toContain('AFSTEMNING');
    expect(await closings.pickUp()).toBeNull(); // nothing left: never closed twice
    const audit = stores.db.prepare('SELECT actor, action FROM audit_log WHERE subject = ? ORDER BY seq').all(id) as {
      actor: string;
      action: string;
    }[];
    expect(audit).toEqual([
      { actor: 'cli:tech', action: 'terminal.close-requested' },
      { actor: 'cli:tech', action: 'terminal.reconciled' },
    ]);
  });

  it('staff on the screen are refused while a borrower pays, and while the terminal is already closing', async () => {
    blocked = { message: 'a payment is in progress', code: 'payment-in-progress' };
    await expect(closings.closeNow('staff:personale')).rejects.toThrow('a payment is in progress');
    blocked = null;
    const first = closings.closeNow('staff:personale');
    await expect(closings.closeNow('staff:anden')).rejects.toThrow('already closing');
    expect(await first).toMatchObject({ state: 'done', requestedBy: 'staff:personale' });
  });

  it('a terminal the cloud cannot reach: failed, with Nets’ words', async () => {
    sim.setState({ offline: true });
    try {
      const closing = await closings.closeNow('staff:personale');
      expect(closing).toMatchObject({ state: 'failed' });
      expect(closing.detail).toContain('Invalid terminal ID or terminal not connected');
    } finally {
      sim.setState({ offline: false });
    }
  });

  it('cut short by a stop: failed at the next start, with what to do', () => {
    const id = randomUUID();
    store.request({ id, actor: 'cli:tech' });
    expect(store.claim(id)).toMatchObject({ state: 'running' });
    expect(store.markInterrupted().map((c) => c.id)).toEqual([id]);
    expect(store.get(id)).toMatchObject({ state: 'failed', detail: expect.stringContaining('see its own report') });
    // A request withdrawn by the command line cannot be taken afterwards.
    const late = randomUUID();
    store.request({ id: late, actor: 'cli:tech' });
    expect(store.withdraw(late, 'no kiosk took it')).toBe(true);
    expect(store.claim(late)).toBeNull();
  });
});
