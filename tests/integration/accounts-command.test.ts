import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../db/audit.js';
import { KioskKeys } from '../../db/kiosk-keys.js';
import { openDatabase } from '../../db/open.js';
import { StaffAccountStore } from '../../db/staff-accounts.js';
import { DATABASE_FILE } from '../../core/core.js';
import { seedDemoAccounts, StaffAccess } from '../../core/staff-access.js';
import { tempDir } from '../support/fixtures.js';
import { runKioskCli } from '../support/kiosk-cli.js';

/**
 * `kiosk setup` and `kiosk accounts` as a technician runs them over SSH: separate processes,
 * PINs and card numbers piped in, the journal checked afterwards with the kiosk's own log-in.
 */
const dir = tempDir();
afterAll(() => dir.remove());

function kiosk(name: string) {
  const root = join(dir.path, name);
  const env = { KIOSK_CONFIG: join(root, 'config.json'), KIOSK_DATA_DIR: join(root, 'data') };
  const run = (args: readonly string[], input = '') => runKioskCli(args, env, input);
  /** The journal as the kiosk opens it: log-in, card look-up, audit. */
  const journal = <T>(use: (access: StaffAccess, db: ReturnType<typeof openDatabase>) => Promise<T> | T) => {
    const db = openDatabase(join(env.KIOSK_DATA_DIR, DATABASE_FILE));
    const store = new StaffAccountStore(db, new AuditLog(db));
    const access = new StaffAccess(store, {
      maxFailedAttempts: 5,
      lockoutMs: 60_000,
      idleLogoutMs: 60_000,
      cardKey: new KioskKeys(db).key('staff-card'),
    });
    return Promise.resolve(use(access, db)).finally(() => db.close());
  };
  return { run, journal };
}

describe('a new kiosk gets its first technician, who manages the rest', () => {
  it('setup creates one technician; accounts are added, carded, re-PINned and disabled; no PIN as an argument', async () => {
    const { run, journal } = kiosk('new');
    // A PIN on the command line is refused before anything is written.
    const argument = await run(['setup', '--id', 'anna', '--name', 'Anna Tekniker', '13572468']);
    expect(argument.code).toBe(2);
    expect(argument.stderr).toContain('PINs and card numbers are never given on the command line');
    expect((await run(['setup', '--id', 'anna', '--name', 'A', '--pin=13572468'])).code).toBe(2);
    expect((await run(['setup', '--id', 'anna', '--name', 'Anna Tekniker'], '1234\n')).stderr).toContain(
      'a staff PIN is 6 to 12 digits',
    );

    const setup = await run(['setup', '--id', 'anna', '--name', 'Anna Tekniker'], '13572468\n');
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    const again = await run(['setup', '--id', 'bent', '--name', 'Bent'], '24681357\n');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has technician accounts already (anna)');

    expect((await run(['accounts', 'add', 'bo', '--name', 'Bo Skranke', '--role', 'staff'], '11335577\n')).code).toBe(
      0,
    );
    expect((await run(['accounts', 'card', 'bo'], '5550001234\n')).code).toBe(0);
    const taken = await run(['accounts', 'card', 'anna'], '5550001234\n');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('enrolled for account bo');
    const last = await run(['accounts', 'disable', 'anna']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('last technician');

    await journal(async (access, db) => {
      expect((await access.login({ accountId: 'anna' }, '13572468')).ok).toBe(true);
      expect((await access.login({ accountId: 'bo' }, '11335577')).ok).toBe(true);
      expect(access.accountByCard('5550001234')?.id).toBe('bo');
      // Neither PINs nor the card number are anywhere in the journal.
      const all = JSON.stringify([
        db.prepare('SELECT * FROM staff_accounts').all(),
        db.prepare('SELECT * FROM audit_log').all(),
      ]);
      for (const secret of ['13572468', '11335577', '5550001234']) expect(all).not.toContain(secret);
      const actors = db.prepare("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'account.%'").all();
      expect(actors).toEqual([{ actor: expect.stringMatching(/^cli:/u) }]);
    });

    expect((await run(['accounts', 'pin', 'bo'], '99887766\n')).code).toBe(0);
    expect((await run(['accounts', 'disable', 'bo'])).code).toBe(0);
    const list = await run(['accounts', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([
      { id: 'bo', name: 'Bo Skranke', role: 'staff', disabled: true, card: true, lockedUntil: null },
      { id: 'anna', name: 'Anna Tekniker', role: 'technician', disabled: false, card: false, lockedUntil: null },
    ]);
    await journal(async (access) => {
      expect(await access.login({ accountId: 'bo' }, '99887766')).toEqual({ ok: false, reason: 'invalid' });
    });
  }, 120_000); // fifteen processes, each starting TypeScript: slow on a busy machine

  it('setup on a journal that once ran the demo removes the published demo accounts first', async () => {
    const { run, journal } = kiosk('was-demo');
    await journal(async (access, db) => seedDemoAccounts(access, new StaffAccountStore(db, new AuditLog(db))));
    const setup = await run(['setup', '--id', 'anna', '--name', 'Anna Tekniker'], '13572468\n');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('removed account tekniker');
    const list = JSON.parse((await run(['accounts', 'list', '--json'])).stdout) as { id: string }[];
    expect(list.map((a) => a.id)).toEqual(['anna']);
  }, 60_000);
});
