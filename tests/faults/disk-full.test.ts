import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../contract/index.js';
import { verifyAuditChain } from '../../db/audit.js';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { parseConfig } from '../../config/config.js';
import { DATABASE_FILE } from '../../core/core.js';
import { createLogger } from '../../base/log.js';
import { freeMegabytes } from '../../core/storage.js';
import { until } from '../support/until.js';

/**
 * Disk full, for real: the demo kiosk's journal on a small tmpfs that the test fills up. The
 * kiosk refuses new card payments with a clear message before the terminal is asked, loses
 * nothing already committed, and carries on once space is freed, without a restart. When the
 * disk fills while the borrower is at the terminal, the approval cannot be written: the
 * borrower is sent to staff, no new payment starts, and the kiosk asks the terminal again until
 * the journal takes the answer. Needs root (mount); elsewhere it reports itself skipped.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'kiosk-tmpfs-'));
function tryMount(): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const mounted = process.platform === 'linux' && tryMount();
const dataDir = join(mountPoint, 'kiosk');
const filler = join(mountPoint, 'filler');

/** Fills the disk until `leaveMb` is free (0: until the file system says no more). */
function fillDisk(leaveMb: number): void {
  const fd = openSync(filler, 'a');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    while (freeMegabytes(mountPoint) - chunk.length / 1024 / 1024 >= leaveMb) writeSync(fd, chunk);
    if (leaveMb === 0) {
      for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
        try {
          for (;;) writeSync(fd, chunk.subarray(0, size));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

let kiosk: Kiosk;
const views: SessionView[] = [];

beforeAll(async () => {
  if (!mounted) return;
  const config = parseConfig({
    storage: { minFreeMbToPay: 2 },
    terminal: { simulatorStepMs: 150, statusPollMs: 100 },
    outbox: { baseBackoffMs: 20, maxBackoffMs: 200, pollIntervalMs: 50 },
    log: { level: 'fatal' },
  });
  kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log: createLogger({ level: 'silent' }) });
  kiosk.session.onChange((view) => views.push(view));
});

afterAll(async () => {
  if (mounted) {
    rmSync(filler, { force: true });
    await kiosk?.stop();
    execFileSync('umount', [mountPoint]);
  }
  rmdirSync(mountPoint);
});

/** A borrower at the screen: card, PIN, every claim chosen, pay. Resolves when the payment ends. */
async function borrowerPays(card: string, pin: string): Promise<SessionView> {
  await kiosk.session.command({ type: 'session.reset' });
  await kiosk.session.command({ type: 'session.identify', cardNumber: card });
  await until('the PIN screen', () => kiosk.session.current().view.screen === 'pin');
  await kiosk.session.command({ type: 'session.authenticate', pin });
  await until('the claims', () => kiosk.session.current().view.screen === 'claims');
  await kiosk.session.command({ type: 'checkout.pay' });
  return kiosk.session.current().view;
}

describe.skipIf(!mounted)('disk full (journal on a 12 MB tmpfs)', () => {
  it('refuses new payments with a clear message before the terminal is asked, and loses nothing committed', async () => {
    const first = await borrowerPays('1000000002', '2222');
    expect(first.screen).toBe('approved');
    await until('FBS registration', () => kiosk.sandboxes.fbs!.ledger.length === 2);

    fillDisk(1);
    const requestsBefore = kiosk.terminal.simulator!.entries('Payment').length;
    const refused = await borrowerPays('1000000004', '4444');
    expect(refused).toMatchObject({ screen: 'error', code: 'storage-full' });
    expect(kiosk.terminal.simulator!.entries('Payment')).toHaveLength(requestsBefore);
    // Nothing committed was lost: the first payment is settled and registered once.
    const [settled] = kiosk.core.journal.listByState(['settled']);
    expect(settled?.amountOre).toBe(8550);
    expect(kiosk.sandboxes.fbs!.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);

    // Space freed: the same kiosk takes the payment.
    rmSync(filler);
    const paid = await borrowerPays('1000000004', '4444');
    expect(paid.screen).toBe('approved');
  });

  it('the disk fills while the borrower is at the terminal: staff are called, the answer is recorded once space returns', async () => {
    kiosk.terminal.simulator!.reset();
    await kiosk.session.command({ type: 'session.reset' });
    // A borrower with one claim on the debtor route (ØiR).
    await kiosk.session.command({ type: 'session.identify', cardNumber: '1000000003' });
    await until('the PIN screen', () => kiosk.session.current().view.screen === 'pin');
    await kiosk.session.command({ type: 'session.authenticate', pin: '3333' });
    await until('the claims', () => kiosk.session.current().view.screen === 'claims');
    views.length = 0;
    const paying = kiosk.session.command({ type: 'checkout.pay' });
    // The borrower is at the terminal (the request is persisted as authorizing): the disk fills,
    // and SQLite has just checkpointed and truncated its write-ahead log, so the next write needs space.
    await until('the terminal asking for the PIN', () =>
      views.some((v) => v.screen === 'paying' && v.step === 'enter-pin'),
    );
    kiosk.core.db.pragma('wal_checkpoint(TRUNCATE)');
    fillDisk(0);
    await paying;

    const view = kiosk.session.current().view;
    expect(view.screen).toBe('staff-notified');
    const [charged] = kiosk.terminal.simulator!.entries('Payment').filter((e) => e.captured);
    expect(charged).toBeDefined();
    expect(kiosk.core.journal.get(charged!.saleTransactionId!).state).toBe('authorizing');

    // Meanwhile no new card payment starts (the journal could not write it down either).
    await expect(
      kiosk.core.checkout.pay({ channel: 'kiosk', patronId: '100002', lines: [], actor: 'kiosk' }),
    ).rejects.toThrow(/resolving an earlier payment|journal/);

    // Space returns: the kiosk asks the terminal again, records the approval, and registers it
    // with the debtor system (settled = every registration delivered).
    rmSync(filler);
    await until(
      'the approval recorded and registered',
      () => kiosk.core.journal.get(charged!.saleTransactionId!).state === 'settled',
    );
    expect(kiosk.terminal.simulator!.entries('Payment').filter((e) => e.captured)).toHaveLength(1);

    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(verifyAuditChain(db).ok).toBe(true);
    } finally {
      db.close();
    }
  });
});
