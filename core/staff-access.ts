import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { AuditEntry } from '../db/audit.js';
import type { StaffAccount, StaffAccountStore, StaffRole } from '../db/staff-accounts.js';
import { ExpectedError } from '../base/errors.js';
import { keyedHash } from '../base/keyed-hash.js';

/**
 * Who may do what at the kiosk besides borrowers. Two roles, deliberately disjoint where money
 * is concerned: staff handle payments (counter checkout, queue, resolve, void, reprint, the day's
 * reconciliation); technicians handle the machine (settings, devices, certificates, accounts)
 * and may look at the queue and reports to diagnose, but never move money.
 */
export const ROLE_CAPABILITIES = {
  staff: [
    'checkout.counter',
    'queue.view',
    'queue.retry',
    'payment.resolve',
    'payment.void',
    'payment.refund',
    'receipt.reprint',
    'report.view',
  ],
  technician: [
    'queue.view',
    'report.view',
    'settings.view',
    'settings.change',
    'devices.test',
    'certificates.manage',
    'accounts.manage',
  ],
} as const satisfies Record<StaffRole, readonly string[]>;

export type Capability = (typeof ROLE_CAPABILITIES)[StaffRole][number];

export function can(role: StaffRole, capability: Capability): boolean {
  return (ROLE_CAPABILITIES[role] as readonly string[]).includes(capability);
}

/** Staff PINs are longer than a borrower's: 6 to 12 digits. */
export const STAFF_PIN = /^\d{6,12}$/u;

// scrypt with N = 2^15, r = 8, p = 1 (OWASP's minimum for scrypt): ~50-100 ms per check here,
// run on libuv's thread pool so the kiosk keeps answering while a PIN is checked.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, maxmem: 64 * 1024 * 1024 } as const;

function derive(pin: string, salt: Buffer, options: ScryptOptions & { keyLength: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, options.keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url); the parameters travel with the hash. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(pin, salt, SCRYPT);
  return [
    'scrypt',
    Math.log2(SCRYPT.N),
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const [scheme, logN, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !logN || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(pin, Buffer.from(salt, 'base64url'), {
    N: 2 ** Number(logN),
    r: Number(r),
    p: Number(p),
    keyLength: expected.length,
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A staff card identifies an account; only its hash is stored, keyed with the kiosk's own key
 * (db/kiosk-keys.ts): staff card numbers are short enough that a plain hash is reversed by
 * trying them all.
 */
export function cardHash(cardKey: Buffer, cardNumber: string): string {
  return keyedHash(cardKey, 'staff-card', cardNumber);
}

/** How cards were hashed before the kiosk had a key (plain SHA-256); replaced at the card's next use. */
function legacyCardHash(cardNumber: string): string {
  return createHash('sha256').update(`staff-card:${cardNumber}`).digest('hex');
}

export interface StaffSession {
  readonly token: string;
  readonly accountId: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly startedAt: number;
  lastActivityAt: number;
}

export type LoginResult =
  | { readonly ok: true; readonly session: StaffSession }
  | { readonly ok: false; readonly reason: 'invalid' }
  | { readonly ok: false; readonly reason: 'locked-out'; readonly lockedUntil: string };

/** What one checked PIN does to an account, decided inside the store's transaction. */
interface AttemptOutcome {
  readonly failedAttempts: number;
  readonly lockedUntil: string | null;
  readonly audit: readonly AuditEntry[];
  readonly result: { readonly ok: true } | Exclude<LoginResult, { ok: true }>;
}

/** An account change that is not allowed or not valid; the message says why. */
export class AccountRefusedError extends ExpectedError {
  override name = 'AccountRefusedError';
}

const ACCOUNT_ID = /^[a-z0-9][a-z0-9._-]{0,39}$/u;
/** What a staff card's barcode holds: letters and digits (its keyed hash is stored). */
const STAFF_CARD = /^[0-9A-Za-z]{4,40}$/u;

export class AccessDeniedError extends ExpectedError {
  constructor(
    readonly reason: 'not-logged-in' | 'not-allowed',
    message: string,
  ) {
    super(message);
  }
}

export interface StaffAccessOptions {
  /** Wrong PINs in a row before the account locks. */
  readonly maxFailedAttempts: number;
  readonly lockoutMs: number;
  /** A staff session with no action for this long is logged out. */
  readonly idleLogoutMs: number;
  /** The kiosk's key for staff-card hashes (KioskKeys 'staff-card'). */
  readonly cardKey: Buffer;
}

/**
 * Log-in, lock-out, idle log-out and permission checks for staff and technicians. Every
 * log-in, failure, lock-out, log-out and account change goes to the audit log with who and when.
 * Sessions live in memory only: a restart logs everyone out.
 */
export class StaffAccess {
  private readonly sessions = new Map<string, StaffSession>();
  // Checked against when the account does not exist, so an unknown id costs as long as a wrong PIN.
  private readonly decoy: Promise<string> = hashPin(randomBytes(8).toString('hex'));

  constructor(
    private readonly store: StaffAccountStore,
    private readonly options: StaffAccessOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every account, for the technician's account list (`kiosk accounts list`, the Konti tab). */
  accounts(): StaffAccount[] {
    return this.store.list();
  }

  async createAccount(
    account: { id: string; name: string; role: StaffRole; pin: string; cardNumber?: string },
    actor: string,
  ): Promise<void> {
    if (!ACCOUNT_ID.test(account.id))
      throw new AccountRefusedError('an account id is 1-40 lower-case letters, digits, dots, dashes or underscores');
    const name = account.name.trim();
    if (name.length === 0 || name.length > 100) throw new AccountRefusedError('a name is 1 to 100 characters');
    if (!STAFF_PIN.test(account.pin)) throw new AccountRefusedError('a staff PIN is 6 to 12 digits');
    if (this.store.get(account.id)) throw new AccountRefusedError(`account ${account.id} exists already`);
    if (account.cardNumber) this.refuseCardOfAnother(account.cardNumber, account.id);
    this.store.create(
      {
        id: account.id,
        name,
        role: account.role,
        pinHash: await hashPin(account.pin),
        cardHash: account.cardNumber ? cardHash(this.options.cardKey, account.cardNumber) : null,
      },
      { actor, action: 'account.created', subject: account.id, data: { role: account.role } },
    );
  }

  /** A new PIN (a forgotten one, or the technician's reset); it also lifts a lock-out. */
  async changePin(accountId: string, pin: string, actor: string): Promise<void> {
    if (!STAFF_PIN.test(pin)) throw new AccountRefusedError('a staff PIN is 6 to 12 digits');
    this.existing(accountId);
    this.store.setPin(accountId, await hashPin(pin), { actor, action: 'account.pin-changed', subject: accountId });
  }

  /**
   * Disables an account (it can no longer log in, and a session it has ends at its next step)
   * or enables it again. Accounts are disabled, never deleted: the audit log keeps naming them.
   * The last technician who can log in cannot be disabled: nobody could manage accounts after.
   */
  setDisabled(accountId: string, disabled: boolean, actor: string): void {
    const account = this.existing(accountId);
    if (account.disabled === disabled) return;
    if (disabled && account.role === 'technician') {
      const others = this.store.list().filter((a) => a.role === 'technician' && !a.disabled && a.id !== accountId);
      if (others.length === 0)
        throw new AccountRefusedError('the last technician account cannot be disabled: add another technician first');
    }
    this.store.setDisabled(accountId, disabled, {
      actor,
      action: disabled ? 'account.disabled' : 'account.enabled',
      subject: accountId,
    });
    if (disabled)
      for (const session of [...this.sessions.values()])
        if (session.accountId === accountId) this.end(session, 'disabled');
  }

  /** Enrols a staff card (scanned) for an account, replacing its card if it had one. */
  enrolCard(accountId: string, cardNumber: string, actor: string): void {
    this.existing(accountId);
    if (!STAFF_CARD.test(cardNumber)) throw new AccountRefusedError('a staff card number is 4 to 40 letters or digits');
    this.refuseCardOfAnother(cardNumber, accountId);
    this.store.setCardHash(accountId, cardHash(this.options.cardKey, cardNumber), {
      actor,
      action: 'account.card-enrolled',
      subject: accountId,
    });
  }

  /** Forgets an account's staff card (a lost card); the account logs in with its id and PIN. */
  removeCard(accountId: string, actor: string): void {
    this.existing(accountId);
    this.store.clearCard(accountId, { actor, action: 'account.card-removed', subject: accountId, data: {} });
  }

  private existing(accountId: string): StaffAccount {
    const account = this.store.get(accountId);
    if (!account) throw new AccountRefusedError(`no account ${accountId}`);
    return account;
  }

  private refuseCardOfAnother(cardNumber: string, accountId: string): void {
    const holder = this.accountByCard(cardNumber);
    if (holder && holder.id !== accountId)
      throw new AccountRefusedError(`this card is enrolled for account ${holder.id}: remove it there first`);
  }

  /**
   * The account a scanned staff card belongs to. A card enrolled before cards were hashed with
   * the kiosk's key is found by its old plain hash once, and its hash replaced (audited).
   */
  accountByCard(cardNumber: string): StaffAccount | null {
    const account = this.store.byCardHash(cardHash(this.options.cardKey, cardNumber));
    if (account) return account;
    const legacy = this.store.byCardHash(legacyCardHash(cardNumber));
    if (!legacy) return null;
    this.store.setCardHash(legacy.id, cardHash(this.options.cardKey, cardNumber), {
      actor: 'kiosk',
      action: 'account.card-rehashed',
      subject: legacy.id,
      data: { reason: 'a keyed hash replaces the plain one' },
    });
    return this.store.get(legacy.id);
  }

  /** Identifies the account by its id (typed) or by a staff card (scanned), then checks the PIN. */
  async login(who: { accountId: string } | { cardNumber: string }, pin: string): Promise<LoginResult> {
    const account = 'accountId' in who ? this.store.get(who.accountId) : this.accountByCard(who.cardNumber);
    const claimed = 'accountId' in who ? who.accountId.slice(0, 40) : 'staff card';
    if (!account || account.disabled) {
      await verifyPin(pin, await this.decoy);
      this.store.note({
        actor: 'kiosk',
        action: 'staff.login-failed',
        subject: null,
        data: { claimed, reason: account ? 'disabled' : 'unknown account' },
      });
      return { ok: false, reason: 'invalid' };
    }
    const now = this.now();
    let lockedUntil = account.lockedUntil ? Date.parse(account.lockedUntil) : null;
    if (lockedUntil !== null && lockedUntil > now + this.options.lockoutMs) {
      // A lock-out ends no later than a lock-out from now: after the clock went back (an NTP
      // correction, a wrong clock at boot) it would otherwise last as long as the jump. Moved in
      // the database, so it ends even while the clock stays behind.
      const until = new Date(now + this.options.lockoutMs).toISOString();
      this.store.recordAttempt(account.id, account.failedAttempts, until, [
        {
          actor: 'kiosk',
          action: 'staff.lock-out-moved',
          subject: account.id,
          data: { from: account.lockedUntil, to: until, reason: 'the clock went back' },
        },
      ]);
      lockedUntil = Date.parse(until);
    }
    if (lockedUntil !== null && lockedUntil > now) {
      // Not even checked: a locked account gives nothing away, right or wrong.
      this.store.note({
        actor: `${account.role}:${account.id}`,
        action: 'staff.login-refused',
        subject: account.id,
        data: { reason: 'locked out' },
      });
      return { ok: false, reason: 'locked-out', lockedUntil: new Date(lockedUntil).toISOString() };
    }
    const actor = `${account.role}:${account.id}`;
    const right = await verifyPin(pin, account.pinHash);
    // Decided on the account as it is now, not as it was before the check: PIN checks overlap.
    const verdict = this.store.settleAttempt(account.id, (current) => this.judge(current, right, actor));
    if (!verdict.ok) return verdict;
    const session: StaffSession = {
      token: randomBytes(24).toString('base64url'),
      accountId: account.id,
      name: account.name,
      role: account.role,
      startedAt: now,
      lastActivityAt: now,
    };
    this.sessions.set(session.token, session);
    return { ok: true, session };
  }

  /**
   * What a checked PIN means for the account as it stands: a lock-out that another attempt set
   * while this one was being checked holds, right PIN or not; otherwise the count goes on from
   * what is stored (from zero once a lock-out has ended), and reaching the limit locks.
   */
  private judge(current: StaffAccount, right: boolean, actor: string): AttemptOutcome {
    const now = this.now();
    const lockedUntil = current.lockedUntil ? Date.parse(current.lockedUntil) : null;
    if (lockedUntil !== null && lockedUntil > now) {
      return {
        failedAttempts: current.failedAttempts,
        lockedUntil: current.lockedUntil,
        audit: [{ actor, action: 'staff.login-refused', subject: current.id, data: { reason: 'locked out' } }],
        result: { ok: false, reason: 'locked-out', lockedUntil: current.lockedUntil! },
      };
    }
    if (right) {
      return {
        failedAttempts: 0,
        lockedUntil: null,
        audit: [{ actor, action: 'staff.login', subject: current.id }],
        result: { ok: true },
      };
    }
    const attempts = (lockedUntil !== null ? 0 : current.failedAttempts) + 1;
    if (attempts < this.options.maxFailedAttempts) {
      return {
        failedAttempts: attempts,
        lockedUntil: null,
        audit: [{ actor, action: 'staff.login-failed', subject: current.id, data: { attempts } }],
        result: { ok: false, reason: 'invalid' },
      };
    }
    const until = new Date(now + this.options.lockoutMs).toISOString();
    return {
      failedAttempts: 0,
      lockedUntil: until,
      audit: [
        { actor, action: 'staff.login-failed', subject: current.id, data: { attempts } },
        { actor, action: 'staff.locked-out', subject: current.id, data: { until } },
      ],
      result: { ok: false, reason: 'locked-out', lockedUntil: until },
    };
  }

  /**
   * The session behind a token, if it is still alive, counting this as activity. A session idle
   * for longer than `idleLogoutMs` is logged out (and audited) here or by expireIdle.
   */
  session(token: string): StaffSession | null {
    const session = this.sessions.get(token);
    if (!session) return null;
    const account = this.store.get(session.accountId);
    if (!account || account.disabled) {
      // Disabled (from the command line, or by another technician) while logged in.
      this.end(session, 'disabled');
      return null;
    }
    const now = this.now();
    if (now - session.lastActivityAt > this.options.idleLogoutMs) {
      this.end(session, 'idle');
      return null;
    }
    session.lastActivityAt = now;
    return session;
  }

  /** The session, if it may do this; otherwise an AccessDeniedError (audited when refused). */
  require(token: string, capability: Capability): StaffSession {
    const session = this.session(token);
    if (!session) throw new AccessDeniedError('not-logged-in', 'log in first (or again: the session timed out)');
    if (!can(session.role, capability)) {
      this.store.note({
        actor: `${session.role}:${session.accountId}`,
        action: 'staff.refused',
        subject: session.accountId,
        data: { capability },
      });
      throw new AccessDeniedError('not-allowed', `a ${session.role} may not do ${capability}`);
    }
    return session;
  }

  logout(token: string): void {
    const session = this.sessions.get(token);
    if (session) this.end(session, 'user');
  }

  /** Logs out every session idle too long; returns them (the screen is told). */
  expireIdle(): StaffSession[] {
    const now = this.now();
    // Last activity "in the future" means the clock went back: idle time counts from now, so the
    // session still ends `idleLogoutMs` after the jump instead of the jump's length later.
    for (const session of this.sessions.values()) session.lastActivityAt = Math.min(session.lastActivityAt, now);
    const expired = [...this.sessions.values()].filter((s) => now - s.lastActivityAt > this.options.idleLogoutMs);
    for (const session of expired) this.end(session, 'idle');
    return expired;
  }

  private end(session: StaffSession, reason: 'user' | 'idle' | 'disabled'): void {
    this.sessions.delete(session.token);
    this.store.note({
      actor: `${session.role}:${session.accountId}`,
      action: 'staff.logout',
      subject: session.accountId,
      data: { reason },
    });
  }
}

/**
 * Demo mode only (docs/demo.md): one account per role, so the staff screens can be tried. Their
 * PINs and cards are published, so production removes any account they open
 * (removePublishedDemoAccounts).
 */
export const DEMO_STAFF_ACCOUNTS = [
  { id: 'personale', name: 'Demo-personale', role: 'staff', pin: '246810', cardNumber: '9990000000001' },
  { id: 'tekniker', name: 'Demo-tekniker', role: 'technician', pin: '135790', cardNumber: '9990000000002' },
] as const;

export async function seedDemoAccounts(access: StaffAccess, store: StaffAccountStore): Promise<void> {
  if (store.count() > 0) return;
  for (const account of DEMO_STAFF_ACCOUNTS) await access.createAccount(account, 'system:demo');
}

/**
 * Production mode, at every start: a demo account that its published PIN still opens is
 * nobody's secret (a journal that once ran the demo keeps its accounts), and is removed; a
 * published demo staff card on any account that stays is forgotten. Each is audited. Removing rather than refusing to start: staff accounts hold no money, and a kiosk
 * that will not start stops every borrower over a staff-screen matter. Returns what was done, for
 * the log.
 */
export async function removePublishedDemoAccounts(access: StaffAccess, store: StaffAccountStore): Promise<string[]> {
  const done: string[] = [];
  const actor = 'system:production';
  for (const demo of DEMO_STAFF_ACCOUNTS) {
    // The demo's own accounts, still with their published PIN (one scrypt check each: a start
    // does not check every account against every demo PIN).
    const account = store.get(demo.id);
    if (account && (await verifyPin(demo.pin, account.pinHash))) {
      store.remove(account.id, {
        actor,
        action: 'account.removed',
        subject: account.id,
        data: { reason: 'opens with a published demo PIN' },
      });
      done.push(`removed account ${account.id}: it opens with a published demo PIN`);
    }
    // A published card on an account that stays (its PIN is its own): the card is forgotten.
    const carded = access.accountByCard(demo.cardNumber);
    if (carded) {
      store.clearCard(carded.id, {
        actor,
        action: 'account.card-removed',
        subject: carded.id,
        data: { reason: 'a published demo staff card' },
      });
      done.push(`forgot the staff card of account ${carded.id}: it is a published demo card`);
    }
  }
  return done;
}
