/**
 * `kiosk setup` and `kiosk accounts`: staff and technician accounts from the command line, for a
 * technician over SSH. The same rules as the technician's Konti screen (core/staff-access.ts),
 * written to the journal the running kiosk reads (SQLite serialises the writes; a disabled
 * account's session ends at its next step). PINs and card numbers are read from a prompt or
 * standard input, never from the arguments.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../db/audit.js';
import { KioskKeys } from '../db/kiosk-keys.js';
import { openDatabase } from '../db/open.js';
import { StaffAccountStore, type StaffAccount } from '../db/staff-accounts.js';
import { configuredDataDir } from '../config/config.js';
import { DATABASE_FILE } from '../core/core.js';
import { AccountRefusedError, removePublishedDemoAccounts, StaffAccess, STAFF_PIN } from '../core/staff-access.js';
import { readSecret } from './secret-input.js';
import { out, UsageError } from './cli-io.js';

export const ACCOUNTS_USAGE = `  kiosk setup --id <id> --name <name>   the first technician account of a new kiosk (PIN at
                                        the prompt or on standard input)
  kiosk accounts list [--json]          staff and technician accounts
  kiosk accounts add <id> --name <name> --role staff|technician
                                        a new account; its PIN at the prompt or on standard input
  kiosk accounts pin <id>               a new PIN (also lifts a lock-out)
  kiosk accounts disable <id>           no more log-ins; a session it has ends
  kiosk accounts enable <id>
  kiosk accounts card <id> [--remove]   enrol a staff card (scan it at the prompt) or forget it`;

const NOT_AN_ARGUMENT =
  'PINs and card numbers are never given on the command line (the process list and shell history keep ' +
  'them): type them at the prompt, or pipe them in, e.g. `kiosk accounts pin anna < pin.txt`.';

/** Who did it: the SSH user, in the audit log. */
const actor = (): string => `cli:${userInfo().username}`;

function openAccounts(): { access: StaffAccess; store: StaffAccountStore; close(): void } {
  const db = openDatabase(join(configuredDataDir(), DATABASE_FILE));
  const store = new StaffAccountStore(db, new AuditLog(db));
  // Lock-out settings do not matter here: nobody logs in through the command line.
  const access = new StaffAccess(store, {
    maxFailedAttempts: 5,
    lockoutMs: 0,
    idleLogoutMs: 0,
    cardKey: new KioskKeys(db).key('staff-card'),
  });
  return { access, store, close: () => db.close() };
}

/** A new PIN: asked twice at a prompt (typos lock people out), or one line on standard input. */
async function readNewPin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const pin = await readSecret('New PIN (6-12 digits): ', input);
  if (!STAFF_PIN.test(pin)) throw new AccountRefusedError('a staff PIN is 6 to 12 digits; nothing changed');
  if (input.isTTY && (await readSecret('The same PIN again: ', input)) !== pin)
    throw new AccountRefusedError('the two PINs differ; nothing changed');
  return pin;
}

const OPTIONS = {
  id: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  json: { type: 'boolean' },
  remove: { type: 'boolean' },
} as const;

function parse(args: readonly string[]) {
  if (args.some((a) => /^--(pin|card)(=|$)/u.test(a))) throw new UsageError(NOT_AN_ARGUMENT);
  try {
    return parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function setup(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length > 0) throw new UsageError(NOT_AN_ARGUMENT);
  if (typeof values.id !== 'string' || typeof values.name !== 'string')
    throw new UsageError('kiosk setup --id <id> --name <name>');
  const { access, store, close } = openAccounts();
  try {
    // A journal that once ran the demo: its published accounts go first (as at a production start).
    for (const change of await removePublishedDemoAccounts(access, store)) out(change);
    const technicians = store.list().filter((a) => a.role === 'technician' && !a.disabled);
    if (technicians.length > 0)
      throw new AccountRefusedError(
        `this kiosk has technician accounts already (${technicians.map((a) => a.id).join(', ')}): ` +
          'a technician adds accounts with `kiosk accounts add` or on the Konti screen',
      );
    const pin = await readNewPin();
    await access.createAccount({ id: values.id, name: values.name, role: 'technician', pin }, actor());
    out(`technician account ${values.id} created. Next: \`kiosk config set …\` for each part, then \`kiosk doctor\`.`);
    return 0;
  } finally {
    close();
  }
}

export async function accounts(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args);
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(NOT_AN_ARGUMENT);
  if (sub !== 'list' && !id) throw new UsageError(`kiosk accounts ${sub ?? 'list|add|pin|disable|enable|card'} <id>`);
  const { access, close } = openAccounts();
  try {
    switch (sub) {
      case 'list': {
        const all = access.accounts().map(shown);
        out(values.json ? JSON.stringify(all, null, 2) : all.map(line).join('\n') || 'no accounts');
        return 0;
      }
      case 'add': {
        const role = values.role;
        if (role !== 'staff' && role !== 'technician') throw new UsageError('--role staff or --role technician');
        if (typeof values.name !== 'string') throw new UsageError('--name <name> is needed');
        const pin = await readNewPin();
        await access.createAccount({ id: id!, name: values.name, role, pin }, actor());
        out(`${role} account ${id} created`);
        return 0;
      }
      case 'pin':
        await access.changePin(id!, await readNewPin(), actor());
        out(`PIN of ${id} changed`);
        return 0;
      case 'disable':
      case 'enable':
        access.setDisabled(id!, sub === 'disable', actor());
        out(`${id} ${sub}d`);
        return 0;
      case 'card':
        if (values.remove) {
          access.removeCard(id!, actor());
          out(`the staff card of ${id} is forgotten`);
        } else {
          const card = await readSecret('Scan the staff card (or type its number): ');
          access.enrolCard(id!, card.trim(), actor());
          out(`a staff card is enrolled for ${id}`);
        }
        return 0;
      default:
        throw new UsageError('kiosk accounts list|add|pin|disable|enable|card');
    }
  } finally {
    close();
  }
}

/** What is shown of an account: never its PIN hash or card hash. */
function shown(a: StaffAccount) {
  return { id: a.id, name: a.name, role: a.role, disabled: a.disabled, card: a.hasCard, lockedUntil: a.lockedUntil };
}

function line(a: ReturnType<typeof shown>): string {
  const state = a.disabled ? 'disabled' : a.lockedUntil && Date.parse(a.lockedUntil) > Date.now() ? 'locked' : 'active';
  return `${a.id.padEnd(20)} ${a.role.padEnd(11)} ${state.padEnd(9)} ${a.card ? 'card' : '    '}  ${a.name}`;
}
