import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../db/audit.js';
import { StaffAccountStore } from '../../db/staff-accounts.js';
import {
  AccessDeniedError,
  can,
  cardHash,
  DEMO_STAFF_ACCOUNTS,
  hashPin,
  removePublishedDemoAccounts,
  ROLE_CAPABILITIES,
  StaffAccess,
  verifyPin,
} from '../../core/staff-access.js';
import { openStores, type Stores } from '../support/stores.js';

// Real SQLite and real scrypt: what is stored, what is audited, and what survives a restart.

const STAFF_PIN = '97531864';
const TECH_PIN = '86420975';
const STAFF_CARD = '9990001234567';
const OPTIONS = { maxFailedAttempts: 5, lockoutMs: 15 * 60_000, idleLogoutMs: 120_000, cardKey: randomBytes(32) };

let stores: Stores | null = null;
afterEach(() => {
  stores?.close();
  stores = null;
});

async function setUp(): Promise<{ access: StaffAccess; clock: { now: number }; stores: Stores }> {
  const clock = { now: Date.parse('2026-11-21T10:00:00Z') };
  stores = openStores(() => clock.now);
  const store = new StaffAccountStore(stores.db, stores.audit, () => new Date(clock.now));
  const access = new StaffAccess(store, OPTIONS, () => clock.now);
  await access.createAccount(
    { id: 'anne', name: 'Anne', role: 'staff', pin: STAFF_PIN, cardNumber: STAFF_CARD },
    'cli',
  );
  await access.createAccount({ id: 'tom', name: 'Tom', role: 'technician', pin: TECH_PIN }, 'cli');
  return { access, clock, stores };
}

const auditActions = (s: Stores): string[] =>
  (s.db.prepare('SELECT action FROM audit_log ORDER BY seq').all() as { action: string }[]).map((r) => r.action);
const everything = (s: Stores): string =>
  JSON.stringify([s.db.prepare('SELECT * FROM staff_accounts').all(), s.db.prepare('SELECT * FROM audit_log').all()]);

describe('staff PIN hashes', () => {
  it('are salted scrypt, verified in constant time, and refuse anything malformed', async () => {
    const a = await hashPin(STAFF_PIN);
    const b = await hashPin(STAFF_PIN);
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/u);
    expect(a).not.toBe(b);
    expect(await verifyPin(STAFF_PIN, a)).toBe(true);
    expect(await verifyPin('97531865', a)).toBe(false);
    expect(await verifyPin(STAFF_PIN, 'plain')).toBe(false);
    expect(await verifyPin(STAFF_PIN, 'scrypt$15$8$1$$')).toBe(false);
  });
});

describe('staff log-in', () => {
  it('by account id or staff card; neither the PIN nor the card number is stored or audited', async () => {
    const { access, stores: s } = await setUp();
    const byId = await access.login({ accountId: 'anne' }, STAFF_PIN);
    expect(byId).toMatchObject({ ok: true, session: { accountId: 'anne', role: 'staff' } });
    const byCard = await access.login({ cardNumber: STAFF_CARD }, STAFF_PIN);
    expect(byCard).toMatchObject({ ok: true, session: { accountId: 'anne' } });
    expect(await access.login({ cardNumber: '9990009999999' }, STAFF_PIN)).toEqual({ ok: false, reason: 'invalid' });
    expect(await access.login({ accountId: 'nobody' }, STAFF_PIN)).toEqual({ ok: false, reason: 'invalid' });
    const stored = everything(s);
    for (const secret of [STAFF_PIN, TECH_PIN, STAFF_CARD]) expect(stored).not.toContain(secret);
    expect(auditActions(s)).toEqual([
      'account.created',
      'account.created',
      'staff.login',
      'staff.login',
      'staff.login-failed',
      'staff.login-failed',
    ]);
  });

  it('locks an account after five wrong PINs, even across a restart, and opens it after the lock-out', async () => {
    const { access, clock, stores: s } = await setUp();
    for (let i = 1; i <= 4; i++)
      expect(await access.login({ accountId: 'anne' }, '11111111')).toEqual({ ok: false, reason: 'invalid' });
    const fifth = await access.login({ accountId: 'anne' }, '11111111');
    expect(fifth).toMatchObject({ ok: false, reason: 'locked-out', lockedUntil: '2026-11-21T10:15:00.000Z' });
    // The right PIN does not help while locked, nor does restarting the kiosk.
    expect(await access.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({ ok: false, reason: 'locked-out' });
    const restarted = new StaffAccess(
      new StaffAccountStore(s.db, s.audit, () => new Date(clock.now)),
      OPTIONS,
      () => clock.now,
    );
    expect(await restarted.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({ ok: false, reason: 'locked-out' });
    // Another account is not affected.
    expect(await restarted.login({ accountId: 'tom' }, TECH_PIN)).toMatchObject({ ok: true });

    clock.now += 15 * 60_000 + 1;
    // After the lock-out a single wrong PIN does not lock again at once: the count starts over.
    expect(await restarted.login({ accountId: 'anne' }, '11111111')).toEqual({ ok: false, reason: 'invalid' });
    expect(await restarted.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({ ok: true });
    expect(auditActions(s).filter((a) => a.startsWith('staff.'))).toEqual([
      ...Array<string>(5).fill('staff.login-failed'),
      'staff.locked-out',
      'staff.login-refused',
      'staff.login-refused',
      'staff.login',
      'staff.login-failed',
      'staff.login',
    ]);
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: true });
  });

  it('locks out when wrong PINs arrive together (the checks overlap): each counts on the others', async () => {
    const { access, stores: s } = await setUp();
    // All started before any check has finished: each must see the others' count.
    const wrong = await Promise.all(Array.from({ length: 5 }, () => access.login({ accountId: 'anne' }, '11111111')));
    expect(wrong.filter((r) => !r.ok && r.reason === 'locked-out')).toHaveLength(1);
    expect(await access.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({ ok: false, reason: 'locked-out' });

    expect(auditActions(s).filter((a) => a.startsWith('staff.'))).toEqual([
      ...Array<string>(5).fill('staff.login-failed'),
      'staff.locked-out',
      'staff.login-refused',
    ]);
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: true });
  });

  it('never opens a session after a lock-out that a concurrent check set', async () => {
    const { access, stores: s } = await setUp();
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => access.login({ accountId: 'anne' }, '11111111')),
      access.login({ accountId: 'anne' }, STAFF_PIN),
    ]);
    const actions = auditActions(s).filter((a) => a.startsWith('staff.'));
    const lockedAt = actions.indexOf('staff.locked-out');
    const loggedInAt = actions.indexOf('staff.login');
    // Whichever finished first, a session exists only if it came before the lock-out.
    if (results.some((r) => r.ok)) expect(lockedAt === -1 || loggedInAt < lockedAt).toBe(true);
    else expect(actions.slice(lockedAt + 1)).toEqual(['staff.login-refused']);
  });

  it('logs a session out after two idle minutes; activity keeps it alive', async () => {
    const { access, clock, stores: s } = await setUp();
    const login = await access.login({ accountId: 'anne' }, STAFF_PIN);
    if (!login.ok) throw new Error('login failed');
    const { token } = login.session;
    clock.now += 100_000;
    expect(access.session(token)).not.toBeNull();
    clock.now += 100_000; // 100 s since the last touch
    expect(access.expireIdle()).toEqual([]);
    clock.now += 20_001;
    expect(access.expireIdle().map((e) => e.accountId)).toEqual(['anne']);
    expect(access.session(token)).toBeNull();
    expect(() => access.require(token, 'queue.view')).toThrow(AccessDeniedError);
    const logout = s.db.prepare("SELECT actor, data_json FROM audit_log WHERE action = 'staff.logout'").all();
    expect(logout).toEqual([{ actor: 'staff:anne', data_json: '{"reason":"idle"}' }]);
  });

  it('the clock going back a day neither lengthens a lock-out nor keeps an idle session alive', async () => {
    const { access, clock, stores: s } = await setUp();
    const login = await access.login({ accountId: 'tom' }, TECH_PIN);
    if (!login.ok) throw new Error('login failed');
    for (let i = 1; i <= 5; i++) await access.login({ accountId: 'anne' }, '11111111');
    const DAY = 24 * 60 * 60_000;
    clock.now -= DAY;
    // Still locked, but only for a lock-out from now, not a day and a lock-out.
    expect(await access.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({
      ok: false,
      reason: 'locked-out',
      lockedUntil: new Date(clock.now + OPTIONS.lockoutMs).toISOString(),
    });
    expect(access.expireIdle()).toEqual([]);
    clock.now += OPTIONS.idleLogoutMs + 1;
    expect(access.expireIdle().map((e) => e.accountId)).toEqual(['tom']);
    clock.now += OPTIONS.lockoutMs;
    expect(await access.login({ accountId: 'anne' }, STAFF_PIN)).toMatchObject({ ok: true });
    expect(auditActions(s).filter((a) => a.startsWith('staff.lock'))).toEqual([
      'staff.locked-out',
      'staff.lock-out-moved',
    ]);
  });

  it('keeps the roles apart: a staff PIN cannot reach technician settings, a technician cannot move money', async () => {
    const { access, stores: s } = await setUp();
    const staff = await access.login({ accountId: 'anne' }, STAFF_PIN);
    const tech = await access.login({ accountId: 'tom' }, TECH_PIN);
    if (!staff.ok || !tech.ok) throw new Error('login failed');
    expect(access.require(staff.session.token, 'payment.void').accountId).toBe('anne');
    expect(() => access.require(staff.session.token, 'settings.change')).toThrow(/a staff may not do settings.change/u);
    expect(() => access.require(staff.session.token, 'certificates.manage')).toThrow(AccessDeniedError);
    expect(access.require(tech.session.token, 'settings.change').accountId).toBe('tom');
    expect(() => access.require(tech.session.token, 'payment.void')).toThrow(/a technician may not do payment.void/u);
    expect(() => access.require(tech.session.token, 'checkout.counter')).toThrow(AccessDeniedError);
    const refused = s.db.prepare("SELECT actor, data_json FROM audit_log WHERE action = 'staff.refused'").all();
    expect(refused).toHaveLength(4);
    access.logout(staff.session.token);
    expect(access.session(staff.session.token)).toBeNull();
    // The money capabilities belong to staff only.
    for (const capability of ['checkout.counter', 'payment.resolve', 'payment.void', 'queue.retry'] as const)
      expect([can('staff', capability), can('technician', capability)]).toEqual([true, false]);
    expect(ROLE_CAPABILITIES.staff).not.toContain('settings.change');
  });

  it('refuses weak PINs, bad ids and duplicates when creating accounts', async () => {
    const { access } = await setUp();
    await expect(access.createAccount({ id: 'x', name: 'X', role: 'staff', pin: '1234' }, 'cli')).rejects.toThrow(
      /6 to 12 digits/u,
    );
    await expect(
      access.createAccount({ id: 'Bad Id', name: 'X', role: 'staff', pin: '123456' }, 'cli'),
    ).rejects.toThrow(/account id/u);
    await expect(access.createAccount({ id: 'anne', name: 'A', role: 'staff', pin: '123456' }, 'cli')).rejects.toThrow(
      /exists/u,
    );
  });
});

describe('staff cards', () => {
  it('are stored as a hash keyed with the kiosk key: not the plain hash, and not what another kiosk stores', async () => {
    const { access, stores: s } = await setUp();
    const stored = (
      s.db.prepare("SELECT card_hash FROM staff_accounts WHERE id = 'anne'").get() as { card_hash: string }
    ).card_hash;
    const plain = createHash('sha256').update(`staff-card:${STAFF_CARD}`).digest('hex');
    expect(stored).toMatch(/^[0-9a-f]{64}$/u);
    expect(stored).not.toBe(plain);
    expect(stored).not.toBe(cardHash(randomBytes(32), STAFF_CARD));
    expect(await access.login({ cardNumber: STAFF_CARD }, STAFF_PIN)).toMatchObject({ ok: true });
  });

  it('enrolled with the old plain hash still work once, and are re-hashed with the key then (audited)', async () => {
    const { access, stores: s } = await setUp();
    const plain = createHash('sha256').update(`staff-card:${STAFF_CARD}`).digest('hex');
    s.db.prepare("UPDATE staff_accounts SET card_hash = ? WHERE id = 'anne'").run(plain);
    expect(await access.login({ cardNumber: STAFF_CARD }, STAFF_PIN)).toMatchObject({
      ok: true,
      session: { accountId: 'anne' },
    });
    const stored = (
      s.db.prepare("SELECT card_hash FROM staff_accounts WHERE id = 'anne'").get() as { card_hash: string }
    ).card_hash;
    expect(stored).toBe(cardHash(OPTIONS.cardKey, STAFF_CARD));
    expect(auditActions(s)).toContain('account.card-rehashed');
    expect(await access.login({ cardNumber: STAFF_CARD }, STAFF_PIN)).toMatchObject({ ok: true });
  });
});

describe('demo accounts in production', () => {
  it('are removed at a production start when their published PIN or card still opens them, and audited', async () => {
    const { access, stores: s } = await setUp();
    const store = new StaffAccountStore(s.db, s.audit);
    // A journal that once ran the demo: its accounts, as seedDemoAccounts made them.
    for (const demo of DEMO_STAFF_ACCOUNTS) await access.createAccount(demo, 'system:demo');
    const [staffDemo, techDemo] = DEMO_STAFF_ACCOUNTS;
    expect(await access.login({ accountId: techDemo.id }, techDemo.pin)).toMatchObject({ ok: true });

    const changes = await removePublishedDemoAccounts(access, store);

    expect(changes).toHaveLength(2);
    for (const demo of DEMO_STAFF_ACCOUNTS) {
      expect(await access.login({ accountId: demo.id }, demo.pin)).toEqual({ ok: false, reason: 'invalid' });
      expect(await access.login({ cardNumber: demo.cardNumber }, demo.pin)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(store.list().map((a) => a.id)).toEqual(['anne', 'tom']);
    const removals = s.db
      .prepare("SELECT actor, subject FROM audit_log WHERE action = 'account.removed' ORDER BY seq")
      .all();
    expect(removals).toEqual([
      { actor: 'system:production', subject: staffDemo.id },
      { actor: 'system:production', subject: techDemo.id },
    ]);
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: true });
    // Nothing left to do at the next start.
    expect(await removePublishedDemoAccounts(access, store)).toEqual([]);
  });

  it('keeps an account that only shares a demo id (its own PIN), and forgets a published card on a real account', async () => {
    const { access, stores: s } = await setUp();
    const store = new StaffAccountStore(s.db, s.audit);
    await access.createAccount({ id: 'tekniker', name: 'Real technician', role: 'technician', pin: '80808080' }, 'cli');
    await access.createAccount(
      { id: 'bo', name: 'Bo', role: 'staff', pin: '70707070', cardNumber: DEMO_STAFF_ACCOUNTS[0].cardNumber },
      'cli',
    );

    const changes = await removePublishedDemoAccounts(access, store);

    expect(changes).toEqual(['forgot the staff card of account bo: it is a published demo card']);
    expect(await access.login({ accountId: 'tekniker' }, '80808080')).toMatchObject({ ok: true });
    expect(await access.login({ accountId: 'bo' }, '70707070')).toMatchObject({ ok: true });
    expect(await access.login({ cardNumber: DEMO_STAFF_ACCOUNTS[0].cardNumber }, '70707070')).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });
});

describe('account management (the Konti screen and `kiosk accounts` share it)', () => {
  it('disables, enables, re-PINs and enrols cards, each audited; a disabled account loses its session', async () => {
    const { access, stores: s } = await setUp();
    const login = await access.login({ accountId: 'anne' }, STAFF_PIN);
    if (!login.ok) throw new Error('no log-in');
    access.setDisabled('anne', true, 'technician:tom');
    // Her open session ends at its next step, and she cannot log in again.
    expect(access.session(login.session.token)).toBeNull();
    expect(await access.login({ accountId: 'anne' }, STAFF_PIN)).toEqual({ ok: false, reason: 'invalid' });
    access.setDisabled('anne', false, 'technician:tom');
    await access.changePin('anne', '11223344', 'technician:tom');
    expect((await access.login({ accountId: 'anne' }, '11223344')).ok).toBe(true);

    // A card is enrolled by its keyed hash; a card of another account is refused, not moved.
    access.enrolCard('tom', '7770001112223', 'technician:tom');
    expect(access.accountByCard('7770001112223')?.id).toBe('tom');
    expect(() => access.enrolCard('tom', STAFF_CARD, 'technician:tom')).toThrow(/enrolled for account anne/u);
    access.removeCard('anne', 'technician:tom');
    expect(access.accountByCard(STAFF_CARD)).toBeNull();
    expect(everything(s)).not.toContain('7770001112223');

    // The last technician who can log in stays: nobody could manage accounts otherwise.
    expect(() => access.setDisabled('tom', true, 'technician:tom')).toThrow(/last technician/u);
    await access.createAccount({ id: 'tina', name: 'Tina', role: 'technician', pin: TECH_PIN }, 'technician:tom');
    access.setDisabled('tom', true, 'technician:tina');
    expect(access.accounts().map((a) => [a.id, a.disabled, a.hasCard])).toEqual([
      ['anne', false, false],
      ['tina', false, false],
      ['tom', true, true],
    ]);
    expect(auditActions(s)).toEqual(
      expect.arrayContaining([
        'account.disabled',
        'account.enabled',
        'account.pin-changed',
        'account.card-enrolled',
        'account.card-removed',
      ]),
    );
    expect(verifyAuditChain(s.db)).toMatchObject({ ok: true });
    // Nothing about a PIN is in the audit log.
    expect(JSON.stringify(s.db.prepare('SELECT * FROM audit_log').all())).not.toMatch(/11223344|97531864/u);
  });
});
