import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditHash, verifyAuditChain, type AuditRow } from '../../db/audit.js';
import { openStores, type Stores } from '../support/stores.js';

let s: Stores;
beforeEach(() => {
  s = openStores();
  for (let i = 1; i <= 5; i++)
    s.audit.append({ actor: 'staff:anne', action: 'staff.note', subject: `p${i}`, data: { i } });
});
afterEach(() => s.close());

/** Tampering needs the triggers gone: that is what an attacker with the file would do. */
function tamper(sql: string): void {
  s.db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  s.db.exec(sql);
}

describe('audit log', () => {
  it('verifies an untouched chain', () => {
    expect(verifyAuditChain(s.db)).toEqual({ ok: true, rows: 5 });
  });

  it('refuses updates and deletes', () => {
    expect(() => s.db.exec("UPDATE audit_log SET actor = 'x' WHERE seq = 2")).toThrow(/append-only/);
    expect(() => s.db.exec('DELETE FROM audit_log WHERE seq = 2')).toThrow(/append-only/);
  });

  it('detects a changed row', () => {
    tamper(`UPDATE audit_log SET data_json = '{"i":99}' WHERE seq = 3`);
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('detects a removed row', () => {
    tamper('DELETE FROM audit_log WHERE seq = 2');
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: false, brokenAtSeq: 3 });
  });

  it('detects a row rewritten with a recomputed own hash', () => {
    tamper(`UPDATE audit_log SET actor = 'staff:mallory' WHERE seq = 4`);
    const row = s.db.prepare('SELECT * FROM audit_log WHERE seq = 4').get() as AuditRow;
    s.db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 4').run(auditHash(row.prev_hash, row));
    // Row 4 is self-consistent now; row 5's prev_hash still points at the old row 4.
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: false, brokenAtSeq: 5 });
  });
});
