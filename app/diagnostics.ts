import { existsSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiagnosticCheck, DiagnosticPart } from '../contract/index.js';
import { LATEST_VERSION } from '../db/migrations/index.js';
import type { Db } from '../db/open.js';
import { JournalReader } from '../db/readable.js';
import type { PrinterStatus } from '../devices/printer/printer.js';
import type { SourceStatus } from '../devices/scanner/scan-hub.js';
import type { TerminalHealth } from '../ports/payment-terminal.js';
import { certificateProblems } from '../integrations/oeir/certificates.js';
import type { OeirSetup } from '../integrations/oeir/setup.js';
import type { Validation } from '../config/config-file.js';
import { DATABASE_FILE } from '../core/core.js';
import { messageOf } from '../base/errors.js';

/**
 * One health check per part of the kiosk, shared by `kiosk doctor` (over SSH) and the
 * technician screen. Every check has a time limit, so one hung part cannot hide the others, and
 * names its part in words a technician can act on. Nothing here changes data or moves money.
 */
export interface DiagnosticParts {
  readonly config?: () => Validation;
  /** The kiosk's own connection when it runs; otherwise the file is opened read-only. */
  readonly db?: Db;
  readonly dataDir: string;
  readonly minFreeDiskMb: number;
  readonly fbs: {
    readonly description: string;
    /** Logs in and, with a test card, looks it up without PIN. Resolves to what was checked. */
    readonly check: () => Promise<string>;
  };
  readonly oeir: OeirSetup;
  readonly terminal: { readonly description: string; readonly health: () => Promise<TerminalHealth> };
  /** MobilePay, when offered: an access token proves client id, secret, subscription key and MSN. */
  readonly mobilepay: { readonly description: string; readonly health: () => Promise<TerminalHealth> } | null;
  readonly printer: { readonly description: string; readonly status: () => Promise<PrinterStatus> };
  readonly scanners: () => readonly SourceStatus[];
  readonly timeoutMs?: number;
}

export async function runDiagnostics(parts: DiagnosticParts): Promise<DiagnosticCheck[]> {
  const limit = parts.timeoutMs ?? 15_000;
  const checks: [DiagnosticPart, () => Promise<Omit<DiagnosticCheck, 'part'>> | Omit<DiagnosticCheck, 'part'>][] = [
    ['database', () => checkDatabase(parts)],
    ['reconciliation', () => checkReconciliation(parts)],
    ['disk', () => checkDisk(parts.dataDir, parts.minFreeDiskMb)],
    ['fbs', () => checkFbs(parts.fbs)],
    ['oeir', () => checkOeir(parts.oeir)],
    ['certificate', () => checkCertificate(parts.oeir)],
    ['terminal', () => checkTerminal(parts.terminal)],
    [
      'mobilepay',
      () =>
        parts.mobilepay
          ? checkTerminal(parts.mobilepay)
          : { level: 'ok' as const, summary: 'not offered (mobilepay.enabled)', details: [] },
    ],
    ['printer', () => checkPrinter(parts.printer)],
    ['scanners', () => checkScanners(parts.scanners())],
  ];
  if (parts.config) {
    const config = parts.config;
    checks.unshift(['config', () => checkConfig(config())]);
  }
  return Promise.all(
    checks.map(async ([part, run]): Promise<DiagnosticCheck> => {
      try {
        return { part, ...(await withTimeout(Promise.resolve().then(run), limit, part)) };
      } catch (error) {
        return { part, level: 'broken', summary: oneLine(messageOf(error)), details: [] };
      }
    }),
  );
}

/** The report `kiosk doctor` prints: one line per part, details indented. */
export function formatDiagnostics(checks: readonly DiagnosticCheck[]): string {
  const mark = { ok: 'OK     ', warning: 'WARNING', broken: 'BROKEN ' } as const;
  const lines = checks.flatMap((c) => [
    `${mark[c.level]}  ${c.part.padEnd(12)} ${c.summary}`,
    ...c.details.map((d) => `${' '.repeat(22)}${d}`),
  ]);
  const broken = checks.filter((c) => c.level === 'broken').map((c) => c.part);
  lines.push('', broken.length === 0 ? 'All parts work.' : `Broken: ${broken.join(', ')}`);
  return lines.join('\n');
}

function checkConfig(validation: Validation): Omit<DiagnosticCheck, 'part'> {
  if (!validation.ok)
    return { level: 'broken', summary: 'the configuration is invalid', details: [...validation.problems] };
  if (validation.warnings.length > 0)
    return { level: 'warning', summary: 'valid, with warnings', details: [...validation.warnings] };
  return { level: 'ok', summary: 'valid', details: [] };
}

/** The running kiosk's own connection, or the file opened read-only (the doctor over SSH). */
function openReader(parts: DiagnosticParts): JournalReader | null {
  if (parts.db) return JournalReader.over(parts.db);
  const path = join(parts.dataDir, DATABASE_FILE);
  return existsSync(path) ? JournalReader.open(path) : null;
}

function checkDatabase(parts: DiagnosticParts): Omit<DiagnosticCheck, 'part'> {
  const path = join(parts.dataDir, DATABASE_FILE);
  let reader: JournalReader | null;
  try {
    reader = openReader(parts);
  } catch (error) {
    return { level: 'broken', summary: `the journal cannot be opened: ${messageOf(error)}`, details: [path] };
  }
  if (!reader)
    return { level: 'warning', summary: `no journal yet at ${path} (the kiosk has not run here)`, details: [] };
  try {
    const integrity = reader.quickCheck();
    if (integrity.some((r) => r !== 'ok'))
      return { level: 'broken', summary: 'the journal is damaged', details: integrity.slice(0, 5) };
    const version = reader.schemaVersion();
    if (version > LATEST_VERSION)
      return {
        level: 'broken',
        summary: `schema ${version} is newer than this kiosk (${LATEST_VERSION})`,
        details: [],
      };
    const { queued, needsStaff, inDoubt } = reader.health();
    const details = [
      `schema version ${version}${version < LATEST_VERSION ? ` (the kiosk migrates to ${LATEST_VERSION} at start)` : ''}`,
      `${queued} registration(s) queued, ${needsStaff} payment(s) need staff, ${inDoubt} in doubt`,
    ];
    const level = needsStaff > 0 || inDoubt > 0 ? 'warning' : 'ok';
    return { level, summary: level === 'ok' ? 'journal readable and intact' : 'payments need staff', details };
  } catch (error) {
    return { level: 'broken', summary: `the journal cannot be read: ${messageOf(error)}`, details: [path] };
  } finally {
    reader.close();
  }
}

/**
 * The journal against the terminal's own record (core/terminal-audit.ts): a capture the journal
 * calls declined, or an approval the terminal says it never made, is broken until staff settle it.
 */
function checkReconciliation(parts: DiagnosticParts): Omit<DiagnosticCheck, 'part'> {
  let reader: JournalReader | null = null;
  try {
    reader = openReader(parts);
    if (!reader) return { level: 'ok', summary: 'no payments yet', details: [] };
    if (reader.schemaVersion() < 8)
      return { level: 'warning', summary: 'not checked yet (the kiosk migrates the journal at start)', details: [] };
    const { capturedNotRecorded, recordedNotCaptured } = reader.terminalDisagreements();
    const details: string[] = [];
    if (capturedNotRecorded > 0)
      details.push(
        `${capturedNotRecorded} payment(s): the terminal took money the kiosk recorded as declined (refund or register them in "Dagens betalinger")`,
      );
    if (recordedNotCaptured > 0)
      details.push(`${recordedNotCaptured} payment(s): the kiosk counts money the terminal says it did not take`);
    if (details.length > 0)
      return { level: 'broken', summary: 'the terminal and the journal disagree about money taken', details };
    return { level: 'ok', summary: 'the terminal’s record agrees with the journal', details: [] };
  } catch (error) {
    // The database check names an unreadable journal; here it only means nothing can be compared.
    return { level: 'warning', summary: `not checked: ${oneLine(messageOf(error))}`, details: [] };
  } finally {
    reader?.close();
  }
}

function checkDisk(dataDir: string, minFreeMb: number): Omit<DiagnosticCheck, 'part'> {
  let dir = dataDir;
  while (!existsSync(dir) && dir !== join(dir, '..')) dir = join(dir, '..');
  const stats = statfsSync(dir);
  const freeMb = Math.floor((stats.bavail * stats.bsize) / 1024 / 1024);
  const summary = `${freeMb} MB free for the journal (${dir})`;
  if (freeMb < minFreeMb) return { level: 'broken', summary: `${summary}, below ${minFreeMb} MB`, details: [] };
  if (freeMb < minFreeMb * 2) return { level: 'warning', summary: `${summary}, getting low`, details: [] };
  return { level: 'ok', summary, details: [] };
}

async function checkFbs(fbs: DiagnosticParts['fbs']): Promise<Omit<DiagnosticCheck, 'part'>> {
  try {
    const checked = await fbs.check();
    return { level: 'ok', summary: checked, details: [fbs.description] };
  } catch (error) {
    return { level: 'broken', summary: oneLine(messageOf(error)), details: [fbs.description] };
  }
}

async function checkOeir(oeir: OeirSetup): Promise<Omit<DiagnosticCheck, 'part'>> {
  if (!oeir.link) return { level: 'broken', summary: 'ØiR is not set up', details: [...oeir.problems] };
  try {
    // A read: the sub-claim search for a fee that does not exist changes nothing anywhere. In the
    // token model it also proves the token: the STS is asked only if none is cached.
    await oeir.link.search(['0']);
    return {
      level: 'ok',
      summary: 'test call answered (SøgDelfordring)',
      details: [...(oeir.sandbox ? ['demo: the built-in ØiR sandbox'] : []), ...tokenLines(oeir)],
    };
  } catch (error) {
    return { level: 'broken', summary: `test call failed: ${oneLine(messageOf(error))}`, details: tokenLines(oeir) };
  }
}

/** The token model's token, as the provider knows it (nothing in the certificate model). */
function tokenLines(oeir: OeirSetup): string[] {
  const status = oeir.tokenStatus();
  if (!status) return [];
  switch (status.state) {
    case 'valid':
      return [`token model: STS token valid until ${status.until} (for ${status.audience})`];
    case 'refused':
      return [`token model: KOMBIT's STS refused the token since ${status.since}: ${oneLine(status.detail)}`];
    case 'failing':
      return [`token model: KOMBIT's STS not reached since ${status.since}: ${oneLine(status.detail)}`];
    default:
      return ['token model: no token yet'];
  }
}

function checkCertificate(oeir: OeirSetup): Omit<DiagnosticCheck, 'part'> {
  const cert = oeir.certificate;
  if (!cert) {
    const problems = oeir.problems.filter((p) => /certificate/iu.test(p));
    return { level: 'broken', summary: 'no usable organisation certificate', details: problems };
  }
  const details = [`subject: ${cert.subject}`, `valid until: ${cert.notAfter.toISOString().slice(0, 10)}`];
  const problems = certificateProblems(cert);
  const worst = problems.find((p) => p.kind !== 'expires-soon') ?? problems[0];
  if (!worst) return { level: 'ok', summary: `valid for ${daysLeft(cert.notAfter)} more days`, details };
  return { level: worst.kind === 'expires-soon' ? 'warning' : 'broken', summary: worst.message, details };
}

async function checkTerminal(terminal: DiagnosticParts['terminal']): Promise<Omit<DiagnosticCheck, 'part'>> {
  const health = await terminal.health();
  if (health.available) return { level: 'ok', summary: 'reachable and ready', details: [terminal.description] };
  return { level: 'broken', summary: `${health.reason}: ${oneLine(health.detail)}`, details: [terminal.description] };
}

async function checkPrinter(printer: DiagnosticParts['printer']): Promise<Omit<DiagnosticCheck, 'part'>> {
  const status = await printer.status();
  const details = [printer.description];
  if (status.state === 'ready') return { level: 'ok', summary: 'ready', details };
  if (status.state === 'paper-low' || status.state === 'no-status')
    return { level: 'warning', summary: `${status.state}: ${status.detail}`, details };
  return { level: 'broken', summary: `${status.state}: ${oneLine(status.detail)}`, details };
}

function checkScanners(sources: readonly SourceStatus[]): Omit<DiagnosticCheck, 'part'> {
  const details = sources.map((s) => `${s.id} (${s.kind}): ${s.state}, ${s.detail}`);
  if (sources.length === 0)
    return {
      level: 'ok',
      summary: 'no serial or HID scanner configured (test the keyboard wedge on the screen)',
      details,
    };
  const connected = sources.filter((s) => s.state === 'connected');
  if (connected.length === 0) return { level: 'broken', summary: 'no scanner is connected', details };
  if (connected.length < sources.length)
    return { level: 'warning', summary: `${connected.length} of ${sources.length} scanners connected`, details };
  return { level: 'ok', summary: `${connected.length} scanner source(s) connected`, details };
}

function daysLeft(until: Date): number {
  return Math.floor((until.getTime() - Date.now()) / 86_400_000);
}

function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim().slice(0, 480);
}

async function withTimeout<T>(work: Promise<T>, ms: number, part: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${part}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
