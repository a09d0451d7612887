import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, LATEST_VERSION } from '../../db/migrations/index.js';
import { DatabaseUnusableError, openDatabase, schemaVersion, type Db } from '../../db/open.js';
import { tempDir } from '../support/fixtures.js';

const dirs: { remove(): void }[] = [];
function freshPath(): string {
  const dir = tempDir();
  dirs.push(dir);
  return join(dir.path, 'kiosk.sqlite');
}
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

/** Schema as text, comparable between two databases. */
function schemaOf(db: Db): string[] {
  return (
    db
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
      .all() as { sql: string | null }[]
  ).map((r) => JSON.stringify({ ...r, sql: r.sql?.replace(/\s+/g, ' ') }));
}

/** Representative rows for each schema version, so an upgrade is shown to keep data. */
function seedAt(db: Db, version: number): void {
  if (version >= 1) {
    db.prepare(
      `INSERT INTO payments (id, state, channel, patron_id, amount_ore, currency, terminal_transaction_ref, created_at, updated_at)
       VALUES ('p1','approved','kiosk','patron-1',2500,'DKK','TX-1','2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z')`,
    ).run();
    db.prepare(`INSERT INTO payment_lines VALUES ('p1',1,'fbs:7','7','fbs','fee','late','[]',2500)`).run();
  }
  if (version >= 2) {
    db.prepare(
      `INSERT INTO outbox (target,payment_id,idempotency_key,payload_json,state,attempts,next_attempt_at,created_at,updated_at)
                VALUES ('fbs.payment','p1','p1-fbs','{}','pending',0,0,'x','x')`,
    ).run();
  }
}

describe('openDatabase', () => {
  it('creates a new database at the latest schema with the durable settings', () => {
    const db = openDatabase(freshPath());
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('numbers migrations 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  for (let from = 0; from < LATEST_VERSION; from++) {
    it(`upgrades from schema version ${from} to the same schema as a new database, keeping data`, () => {
      const path = freshPath();
      const old = openDatabase(path, { migrateTo: from });
      expect(schemaVersion(old)).toBe(from);
      seedAt(old, from);
      old.close();

      const upgraded = openDatabase(path);
      const fresh = openDatabase(freshPath());
      expect(schemaVersion(upgraded)).toBe(LATEST_VERSION);
      expect(schemaOf(upgraded)).toEqual(schemaOf(fresh));
      if (from >= 1)
        expect(upgraded.prepare('SELECT amount_ore FROM payments WHERE id = ?').get('p1')).toEqual({
          amount_ore: 2500,
        });
      if (from >= 2)
        expect(upgraded.prepare('SELECT idempotency_key FROM outbox').all()).toEqual([{ idempotency_key: 'p1-fbs' }]);
      upgraded.close();
      fresh.close();
    });
  }

  it('gives declines written before decline codes their code, once, from the first word of the text', () => {
    const path = freshPath();
    const old = openDatabase(path, { migrateTo: 8 });
    seedAt(old, 8);
    const reasons = [
      'not-received: ECONNREFUSED',
      'refused: Refusal',
      'aborted',
      'not sent: the journal could not be written before the terminal was asked',
      'abandoned: the kiosk restarted before the terminal was asked',
      'staff: borrower left',
      "terminal-check: the terminal's own record shows the payment failed",
      'something no one wrote down',
    ];
    const insert = old.prepare(
      `INSERT INTO payment_transitions (payment_id, from_state, to_state, reason, at) VALUES ('p1', 'authorizing', 'declined', ?, 'now')`,
    );
    for (const reason of reasons) insert.run(reason);
    old.close();
    const upgraded = openDatabase(path);
    const codes = upgraded
      .prepare(`SELECT code FROM payment_transitions WHERE to_state = 'declined' ORDER BY id`)
      .all()
      .map((r) => (r as { code: string }).code);
    expect(codes).toEqual([
      'not-received',
      'refused',
      'aborted',
      'not-sent',
      'abandoned',
      'staff',
      'terminal-check',
      'other',
    ]);
    expect(
      upgraded
        .prepare(`SELECT COUNT(*) AS n FROM payment_transitions WHERE to_state <> 'declined' AND code IS NOT NULL`)
        .get(),
    ).toEqual({ n: 0 });
    upgraded.close();
  });

  it('rolls a failing migration back completely and leaves the old version', () => {
    const path = freshPath();
    openDatabase(path, { migrateTo: 1 }).close();
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT nonsense FROM nowhere;' },
    ];
    expect(() => openDatabase(path, { migrations: broken })).toThrow(DatabaseUnusableError);
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database from a newer kiosk instead of guessing', () => {
    const path = freshPath();
    const db = openDatabase(path);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer than this kiosk knows/);
  });

  it('refuses a damaged database with a clear message', () => {
    const path = freshPath();
    const db = openDatabase(path);
    const insert = db.prepare(
      `INSERT INTO audit_log (seq, at, actor, action, subject, data_json, prev_hash, hash) VALUES (?, 'x', 'a', 'b', NULL, ?, 'p', 'h')`,
    );
    db.transaction(() => {
      for (let i = 1; i <= 2000; i++) insert.run(i, 'x'.repeat(200));
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // Overwrite the middle of the file (table b-tree pages) with garbage.
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 8192, bytes.length - 8192);
    writeFileSync(path, bytes);
    expect(() => openDatabase(path)).toThrow(DatabaseUnusableError);
    expect(() => openDatabase(path)).toThrow(/integrity check failed|malformed|not a database/);
  });
});

describe('the journal is private to the kiosk user', () => {
  const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

  it.skipIf(process.platform === 'win32')('makes a new journal 0600 in a 0700 folder, WAL files included', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, 'data', 'kiosk.sqlite');
    const db = openDatabase(path);
    db.exec('CREATE TABLE scratch (x INTEGER)'); // a write: the WAL files exist
    expect([mode(join(dir.path, 'data')), mode(path), mode(`${path}-wal`), mode(`${path}-shm`)]).toEqual([
      '700',
      '600',
      '600',
      '600',
    ]);
    db.close();
  });

  it.skipIf(process.platform === 'win32')('narrows a world-readable folder and files at open, and says so', () => {
    const dir = tempDir();
    dirs.push(dir);
    const folder = join(dir.path, 'data');
    mkdirSync(folder);
    const path = join(folder, 'kiosk.sqlite');
    openDatabase(path).close();
    // As an older kiosk (or a restored backup) left them.
    chmodSync(folder, 0o755);
    chmodSync(path, 0o644);
    const changes: string[] = [];
    const db = openDatabase(path, { onTightened: (change) => changes.push(change) });
    expect([mode(folder), mode(path)]).toEqual(['700', '600']);
    expect(changes).toEqual([
      `${folder}: permissions 755 → 700 (readable by other users)`,
      `${path}: permissions 644 → 600 (readable by other users)`,
    ]);
    db.close();
  });

  it.skipIf(process.platform === 'win32')('makes a new journal private without reporting it as a change', () => {
    const dir = tempDir();
    dirs.push(dir);
    const path = join(dir.path, 'fresh', 'kiosk.sqlite');
    const changes: string[] = [];
    const db = openDatabase(path, { onTightened: (change) => changes.push(change) });
    expect([mode(join(dir.path, 'fresh')), mode(path), mode(`${path}-wal`)]).toEqual(['700', '600', '600']);
    expect(changes).toEqual([]);
    db.close();
  });
});
