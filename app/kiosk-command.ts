/**
 * `kiosk`: the technician's and staff's command line, for use over SSH. Run by `npm run kiosk`
 * (app/cli.ts) in a checkout, and by the installed app's own binary (`betalingsautomat --cli …`,
 * shells/electron/main.ts) on a kiosk, which has no system Node. The same core code as
 * the screen: the checks in app/diagnostics.ts, the config file with encrypted secrets, the
 * journal and the reconciliation. Exit codes: 0 fine, 1 a check or action failed, 2 usage.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { formatDkk, type DayReport, type FleetFigures, type PaymentEntry } from '../contract/index.js';
import { AuditLog } from '../db/audit.js';
import { PaymentJournal, StaffActionRefusedError } from '../db/journal.js';
import { JournalReader } from '../db/readable.js';
import { TerminalTestStore } from '../db/terminal-tests.js';
import { TerminalClosingStore, type TerminalClosing } from '../db/terminal-closings.js';
import { m013TerminalClosings } from '../db/migrations/013-terminal-closings.js';
import { m015Refunds } from '../db/migrations/015-refunds.js';
import { RefundStore } from '../db/refunds.js';
import { m011TerminalTests } from '../db/migrations/011-terminal-tests.js';
import { openDatabase } from '../db/open.js';
import { OutboxStore } from '../db/outbox.js';
import { configPath, decryptSecrets, loadConfig } from '../config/config.js';
import { ConfigFile } from '../config/config-file.js';
import { DATABASE_FILE } from '../core/core.js';
import { formatDiagnostics } from './diagnostics.js';
import { standaloneDiagnostics } from './doctor.js';
import { createLogger } from '../base/log.js';
import { Reconciliation, dayReportCsv } from '../core/reconciliation.js';
import { exportDay, fleetDayCsv, FleetReportError, mergeDays, readDayExport } from '../core/fleet-report.js';
import { maskSensitiveText } from '../base/redact.js';
import { getPath, SECRET_PATHS } from '../config/secrets.js';
import { ExpectedError, messageOf } from '../base/errors.js';
import { readSecret } from './secret-input.js';
import { accounts, ACCOUNTS_USAGE, setup } from './accounts-command.js';
import { out, UsageError } from './cli-io.js';

const USAGE = `usage:
  kiosk doctor [--json]                 check every part; exit 1 if one is broken
  kiosk config get [key]                show the configuration (secrets masked)
  kiosk config set <key> <value>        change one setting
  kiosk config set <secret-key>         change a secret (fbs.password, oeir.certificatePassword,
                                        terminal.passphrase): typed at a prompt or piped in,
                                        never an argument; stored encrypted
  kiosk config validate                 check the config file
  kiosk queue list [--date YYYY-MM-DD]  payments of the day and their registrations
  kiosk queue retry <payment-id>        send a payment's waiting or rejected registrations now
  kiosk report [--date YYYY-MM-DD] [--csv file] [--json] [--export kiosk-day.json]
  kiosk report merge <kiosk-day.json …> [--csv file] [--json]
                                        day reconciliation
  kiosk terminal reconcile [--wait-s N] [--json]
                                        close the card terminal's day (Nets) through the
                                        running kiosk, between borrowers; prints its printout
                                        beside the kiosk's own card total
  kiosk export-logs [--out file]        a redacted diagnostics bundle (.txt.gz)
${ACCOUNTS_USAGE}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'doctor':
      return doctor(rest);
    case 'config':
      return config(rest);
    case 'queue':
      return queue(rest);
    case 'report':
      return report(rest);
    case 'terminal':
      return terminal(rest);
    case 'export-logs':
      return exportLogs(rest);
    case 'setup':
      return setup(rest);
    case 'accounts':
      return accounts(rest);
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

async function doctor(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean' } } });
  const file = new ConfigFile(configPath());
  let loaded;
  try {
    loaded = loadConfig({ installed });
  } catch (error) {
    // Without a usable config nothing else can be checked: say exactly what is wrong.
    const checks = [
      {
        part: 'config' as const,
        level: 'broken' as const,
        summary: 'the configuration cannot be loaded',
        details: messageOf(error).split('\n'),
      },
    ];
    out(values.json ? JSON.stringify(checks, null, 2) : formatDiagnostics(checks));
    return 1;
  }
  const log = createLogger({ level: 'fatal' });
  const checks = await standaloneDiagnostics(loaded, file, log);
  out(values.json ? JSON.stringify(checks, null, 2) : formatDiagnostics(checks));
  return checks.some((c) => c.level === 'broken') ? 1 : 0;
}

async function config(args: readonly string[]): Promise<number> {
  const [sub, key, value, ...extra] = args;
  const file = new ConfigFile(configPath());
  switch (sub) {
    case 'get': {
      const shown = key ? file.get(key) : file.effective();
      out(typeof shown === 'string' ? shown : JSON.stringify(shown, null, 2));
      return 0;
    }
    case 'set': {
      const secret = (SECRET_PATHS as readonly string[]).includes(key ?? '');
      if (secret && value !== undefined) {
        // Refused before anything is read or written: an argument is already in the process
        // list and the shell's history; the message says how to pass it instead.
        throw new UsageError(
          `${key} is a secret: never give it on the command line. Run \`kiosk config set ${key}\` and type it ` +
            `at the prompt, or pipe it in: \`kiosk config set ${key} < file\`.`,
        );
      }
      if (!key || (!secret && value === undefined) || extra.length > 0) {
        throw new UsageError('kiosk config set <key> <value>, or kiosk config set <secret-key>');
      }
      const given = secret ? await readSecret(`${key}: `) : value!;
      if (secret && given === '') throw new UsageError(`${key}: nothing was given; nothing changed`);
      file.set(key, given);
      audit(`config.set`, key);
      out(`${key} saved in ${file.path}; restart the kiosk to use it.`);
      return 0;
    }
    case 'validate': {
      const result = file.validate();
      for (const problem of result.problems) out(`problem: ${problem}`);
      for (const warning of result.warnings) out(`warning: ${warning}`);
      out(result.ok ? `${file.path}: valid` : `${file.path}: invalid`);
      return result.ok ? 0 : 1;
    }
    default:
      throw new UsageError('kiosk config get|set|validate');
  }
}

/** The journal, opened by this process (WAL: the running kiosk is not blocked). */
/** The journal to change (staff actions from the command line): the one writer's way in. */
function journal() {
  const loaded = loadConfig();
  const db = openDatabase(join(loaded.dataDir, DATABASE_FILE));
  const auditLog = new AuditLog(db);
  const outbox = new OutboxStore(db);
  const paymentJournal = new PaymentJournal(db, outbox, auditLog);
  const tests = new TerminalTestStore(db, auditLog);
  const closings = new TerminalClosingStore(db, auditLog);
  const refunds = new RefundStore(db, auditLog);
  const reconciliation = new Reconciliation(paymentJournal, outbox, loaded.library.timeZone, {
    tests,
    closings,
    refunds,
  });
  return { db, auditLog, journal: paymentJournal, reconciliation };
}

/** The journal to look at (reports, the support bundle): opened read-only, never migrated. */
function readJournal() {
  const loaded = loadConfig();
  const reader = JournalReader.open(join(loaded.dataDir, DATABASE_FILE));
  const outbox = new OutboxStore(reader.connection);
  const audit = new AuditLog(reader.connection);
  const payments = new PaymentJournal(reader.connection, outbox, audit);
  // A journal from before terminal tests were recorded (a kiosk not yet restarted on this version).
  const tests =
    reader.schemaVersion() >= m011TerminalTests.version ? new TerminalTestStore(reader.connection, audit) : null;
  const closings =
    reader.schemaVersion() >= m013TerminalClosings.version ? new TerminalClosingStore(reader.connection, audit) : null;
  const refunds = reader.schemaVersion() >= m015Refunds.version ? new RefundStore(reader.connection, audit) : null;
  const reconciliation = new Reconciliation(payments, outbox, loaded.library.timeZone, { tests, closings, refunds });
  return { reader, reconciliation };
}

/** Who did it: the SSH user, in the audit log. */
function actor(): string {
  return `cli:${userInfo().username}`;
}

function audit(action: string, subject: string): void {
  const { db, auditLog } = journal();
  try {
    auditLog.append({ actor: actor(), action, subject, data: {} });
  } finally {
    db.close();
  }
}

function queue(args: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { date: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const [sub, id] = positionals;
  const j = journal();
  try {
    if (sub === 'list') {
      const day = j.reconciliation.day(values.date ?? j.reconciliation.today());
      out(
        values.json ? JSON.stringify(day.payments, null, 2) : day.payments.map(paymentLine).join('\n') || 'no payments',
      );
      return 0;
    }
    if (sub === 'retry') {
      if (!id) throw new UsageError('kiosk queue retry <payment-id>');
      const entry = j.reconciliation.entry(j.journal.get(id));
      if (!entry.actions.includes('retry'))
        throw new StaffActionRefusedError(`payment ${id} has nothing to retry`, 'nothing-to-retry');
      const rows = j.journal.retryDeliveries(id, actor());
      out(`${rows} registration(s) of ${id} are due now; the running kiosk sends them within seconds.`);
      return 0;
    }
    throw new UsageError('kiosk queue list|retry');
  } finally {
    j.db.close();
  }
}

function paymentLine(p: PaymentEntry): string {
  const deliveries = p.deliveries.map((d) => `${d.target}=${d.state}`).join(' ');
  return `${p.createdAt}  ${p.id}  ${p.state.padEnd(15)} ${formatDkk(p.amountOre).padStart(14)}  ${deliveries}`;
}

function report(args: readonly string[]): number {
  if (args[0] === 'merge') return mergeReports(args.slice(1));
  const { values } = parseArgs({
    args: [...args],
    options: {
      date: { type: 'string' },
      csv: { type: 'string' },
      json: { type: 'boolean' },
      export: { type: 'string' },
    },
  });
  const j = readJournal();
  try {
    const day = j.reconciliation.day(values.date ?? j.reconciliation.today());
    if (values.csv) {
      writeFileSync(values.csv, dayReportCsv(day), { mode: 0o600 });
      out(`written: ${values.csv}`);
    }
    if (values.export) {
      // The municipality's format, with this kiosk's id: `kiosk report merge` reads it.
      const loaded = loadConfig();
      const id =
        loaded.library.kioskId ||
        hostname()
          .replace(/[^A-Za-z0-9._-]/gu, '-')
          .slice(0, 64);
      writeFileSync(
        values.export,
        `${JSON.stringify(exportDay(day, { id, library: loaded.library.name }), null, 2)}\n`,
        {
          mode: 0o600,
        },
      );
      out(`written: ${values.export}`);
    }
    out(values.json ? JSON.stringify(day, null, 2) : formatReport(day));
    return day.balanced ? 0 : 1;
  } finally {
    j.reader.close();
  }
}

/**
 * The municipality's day from the kiosks' exported days (`kiosk report --export`), collected by
 * a log shipper or a scheduled copy: one line per kiosk and the total, and every mismatch with
 * its kiosk. Exit 1 when the day does not balance anywhere, 2 when the files do not belong
 * together (different days, a kiosk twice) or are not kiosk days.
 */
function mergeReports(args: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { csv: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('kiosk report merge <kiosk-day.json …> [--csv file] [--json]');
  let day;
  try {
    day = mergeDays(positionals.map((file) => readDayExport(file, readFileSync(file, 'utf8'))));
  } catch (error) {
    if (!(error instanceof FleetReportError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (values.csv) {
    writeFileSync(values.csv, fleetDayCsv(day), { mode: 0o600 });
    out(`written: ${values.csv}`);
  }
  if (values.json) out(JSON.stringify(day, null, 2));
  else {
    const row = (label: string, f: FleetFigures, balanced: boolean) =>
      `${label.padEnd(24)}${formatDkk(f.netOre).padStart(16)}  card ${formatDkk(f.cardOre)}, MobilePay ${formatDkk(f.mobilePayOre)}, ` +
      `FBS ${formatDkk(f.fbsOre)}, ØiR ${formatDkk(f.oeirOre)}, queued ${formatDkk(f.queuedOre)}${balanced ? '' : '  NOT BALANCED'}`;
    out(
      [
        `Day ${day.date}, ${day.kiosks.length} kiosk(s)`,
        ...day.kiosks.map((k) => row(k.kioskId, k, k.balanced)),
        row('total', day.total, day.balanced),
        day.balanced ? 'Every kiosk balances.' : `Mismatches (${day.mismatches.length}):`,
        ...day.mismatches.map((m) => `  ${m.kioskId} ${m.kind} ${m.paymentId} ${formatDkk(m.amountOre)}  ${m.detail}`),
      ].join('\n'),
    );
  }
  return day.balanced ? 0 : 1;
}

/**
 * Closing the terminal's day from SSH. This process never talks to the terminal: the running
 * kiosk owns it (one conversation at a time, between borrowers). The request is a row in the
 * journal that the kiosk picks up within seconds (core/terminal-closing.ts); this waits for its
 * end. No kiosk took it in time: the request is withdrawn, so it cannot run later by surprise.
 */
async function terminal(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { json: { type: 'boolean' }, 'wait-s': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || positionals[0] !== 'reconcile')
    throw new UsageError('kiosk terminal reconcile [--wait-s N] [--json]');
  const waitS = Number(values['wait-s'] ?? 120);
  if (!Number.isInteger(waitS) || waitS < 1 || waitS > 3600) throw new UsageError('--wait-s: whole seconds, 1–3600');
  const loaded = loadConfig();
  if (!loaded.terminal.driver.startsWith('nets-cloud')) {
    process.stderr.write(
      `the card terminal (${loaded.terminal.driver}) closes its day by itself: nothing to reconcile\n`,
    );
    return 1;
  }
  const j = journal();
  try {
    const store = new TerminalClosingStore(j.db, j.auditLog);
    const id = randomUUID();
    store.request({ id, actor: actor() });
    out(`Asked the running kiosk to close the terminal's day (${id}); waiting up to ${waitS} s…`);
    let deadline = Date.now() + waitS * 1000;
    let extended = false;
    let told = '';
    for (;;) {
      const closing = store.get(id)!;
      if (closing.state === 'done' || closing.state === 'failed') {
        out(values.json ? JSON.stringify(closing, null, 2) : formatClosing(closing, loaded.library.timeZone));
        return closing.state === 'done' ? 0 : 1;
      }
      if (closing.detail && closing.detail !== told) out((told = closing.detail));
      if (Date.now() >= deadline) {
        const why = `no running kiosk took the request within ${waitS} s`;
        if (store.withdraw(id, why)) {
          process.stderr.write(`${why} (is the kiosk running? a borrower paying?): withdrawn, nothing was done\n`);
          return 1;
        }
        if (!extended) {
          // Taken by the kiosk just now: the terminal is closing its day; its answer takes up to a minute.
          extended = true;
          deadline = Date.now() + 90_000;
          continue;
        }
        process.stderr.write('the terminal is still closing its day: `kiosk report` will show how it ended\n');
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    j.db.close();
  }
}

function formatClosing(closing: TerminalClosing | DayReport['terminalClosings'][number], timeZone: string): string {
  const when = (iso: string | null) =>
    iso ? new Date(iso).toLocaleString('da-DK', { timeZone, dateStyle: 'short', timeStyle: 'medium' }) : '–';
  if (closing.state !== 'done')
    return `Terminal day closing ${closing.state} (asked ${when(closing.requestedAt)} by ${closing.requestedBy}): ${closing.detail ?? ''}`;
  return [
    `Terminal day closed ${when(closing.closedAt)}${closing.session ? ` (session ${closing.session})` : ''}, asked by ${closing.requestedBy}`,
    ...closing.lines.map((line) => `  | ${line}`),
    `The kiosk's card payments that day then: ${closing.kioskCard?.count ?? 0}, ${formatDkk(closing.kioskCard?.ore ?? 0)}`,
  ].join('\n');
}

function formatReport(day: DayReport): string {
  const t = day.totals;
  const row = (label: string, ore: number) => `${label.padEnd(28)}${formatDkk(ore).padStart(16)}`;
  return [
    `Day ${day.date} (${day.timeZone})`,
    row(`approved by card (${t.cardApproved.count})`, t.cardApproved.ore),
    row(`voided (${t.voided.count})`, -t.voided.ore),
    row(`refunded (${t.refunded.count})`, -t.refunded.ore),
    row('total taken', t.netCardOre),
    row(`  by card (${t.byMethod.card.count})`, t.byMethod.card.ore),
    row(`  by MobilePay (${t.byMethod.mobilepay.count})`, t.byMethod.mobilepay.ore),
    row('registered in FBS', t.fbsRegisteredOre),
    row('registered in ØiR', t.oeirDeliveredOre),
    row('queued', t.queuedOre),
    row('rejected', t.rejectedOre),
    row('resolved by staff', t.resolvedByStaffOre),
    row('reopened after a refund', -t.reopenedOre),
    `declined: ${t.declined.count}, in doubt: ${t.inDoubt.count}`,
    `terminal's own record: ${formatDkk(t.terminal.capturedOre)} taken, the kiosk counts ${formatDkk(t.terminal.journalOre)} ` +
      `(${t.terminal.checked} payment(s) checked, ${t.terminal.unchecked} not yet)`,
    day.balanced ? 'The day balances.' : `Mismatches (${day.mismatches.length}):`,
    ...day.mismatches.map((m) => `  ${m.kind.padEnd(22)} ${m.paymentId} ${formatDkk(m.amountOre)}  ${m.detail}`),
    ...day.refunds.map(
      (r) =>
        `Refund ${r.paymentId} (paid ${r.paymentCreatedAt.slice(0, 10)}, ${r.method}): ${formatDkk(r.amountOre)} ` +
        `${r.state}${r.reinstated ? ', claims reopened' : ''}, asked by ${r.requestedBy}: ${r.reason}`,
    ),
    ...day.terminalClosings.map((c) => formatClosing(c, day.timeZone)),
  ].join('\n');
}

/**
 * A bundle for support: the doctor's report, the configuration with secrets masked, the day's
 * queue, the audit log's tail and the log files, every line scrubbed of card numbers and CPR
 * and of the configured secrets' values (should one ever have reached a log).
 */
async function exportLogs(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { out: { type: 'string' } } });
  const loaded = loadConfig();
  const file = new ConfigFile(configPath());
  const stamp = new Date().toISOString().replace(/[:.]/gu, '-');
  const target = values.out ?? `kiosk-diagnostics-${stamp}.txt.gz`;
  const secrets = SECRET_PATHS.map((k) => getPath(decryptSecrets(file.raw(), file.path), k)).filter(
    (v): v is string => typeof v === 'string' && v.length >= 3,
  );
  const scrub = (text: string): string =>
    secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), maskSensitiveText(text));

  const sections: [string, string][] = [];
  const checks = await standaloneDiagnostics(loaded, file, createLogger({ level: 'fatal' }));
  sections.push(['doctor', formatDiagnostics(checks)]);
  sections.push(['config (secrets masked)', JSON.stringify(file.effective(), null, 2)]);
  try {
    const j = readJournal();
    try {
      sections.push(['today', formatReport(j.reconciliation.day(j.reconciliation.today()))]);
      sections.push(['audit log (newest 500)', JSON.stringify(j.reader.auditTail(500), null, 1)]);
    } finally {
      j.reader.close();
    }
  } catch (error) {
    // The bundle is most wanted when something is wrong: a journal that cannot be read is noted.
    sections.push(['journal', `cannot be read: ${messageOf(error)}`]);
  }
  const logs = join(loaded.dataDir, 'logs');
  let names: string[] = [];
  try {
    // The rotated files (kiosk.<date>.<n>.log) and an older kiosk's kiosk.log; not the
    // current.log link, which names one of them.
    names = readdirSync(logs)
      .filter((n) => /^kiosk\..*log$/u.test(n))
      .sort();
  } catch {
    sections.push(['logs', `no log folder at ${logs}`]);
  }
  for (const name of names) sections.push([`log ${name}`, readFileSync(join(logs, name), 'utf8')]);
  const text = sections.map(([title, body]) => `===== ${title} =====\n${scrub(body)}\n`).join('\n');
  writeFileSync(target, gzipSync(text), { mode: 0o600 });
  out(`written: ${target} (${names.length} log file(s); secrets, card numbers and CPR removed)`);
  return 0;
}

/** Run by an installed kiosk's own binary: a missing config then means "not set up", not demo. */
let installed = false;

/** Runs one command; returns the exit code. Errors are printed here, never thrown. */
export async function runCli(argv: readonly string[], options: { installed?: boolean } = {}): Promise<number> {
  installed = options.installed ?? false;
  try {
    return await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ExpectedError || error instanceof RangeError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    process.stderr.write(`kiosk: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
