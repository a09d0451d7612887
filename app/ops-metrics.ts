import { statfsSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { OpsReads } from '../db/ops-reads.js';
import type { PrinterStatus } from '../devices/printer/printer.js';

/** What the metrics are read from, each when Prometheus scrapes (nothing is counted twice). */
export interface OpsSources {
  readonly reads: OpsReads;
  readonly mode: string;
  readonly version: string;
  /** Each linked system and whether it works now (oeir, terminal, sts…); no network call. */
  readonly links: () => Readonly<Record<string, boolean>>;
  /** When each certificate the kiosk uses ends. */
  readonly certificates: () => Readonly<Record<string, Date | null>>;
  readonly printer: () => Promise<PrinterStatus>;
  readonly scanners: () => readonly { readonly id: string; readonly state: string }[];
  /** Borrower sessions ended since start, by the screen they ended on (core/session.ts). */
  readonly sessionEndings: () => ReadonlyMap<string, number>;
  /** How many mismatches keep today's report from balancing (core/reconciliation.ts). */
  readonly dayMismatches: () => number;
  /** The journal's folder: the disk it needs free. */
  readonly dataDir: string;
  readonly now?: () => number;
}

/**
 * The kiosk's Prometheus metrics (prom-client), named by Prometheus's conventions: the unit in the
 * name, `_total` for counters, base units (seconds, bytes; money in øre, the journal's unit).
 * Labels are systems, methods, outcomes, targets and states — never a borrower, a card, a CPR or
 * a payment's id. Everything is read from the journal and the parts' own state at scrape time, so
 * a restart loses nothing: the counters are the journal's, from its first payment.
 */
export function opsRegistry(sources: OpsSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  const now = sources.now ?? Date.now;
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'kiosk_info',
    help: 'The kiosk: its mode and version (always 1).',
    labelNames: ['mode', 'version'],
    registers,
    collect() {
      this.set({ mode: sources.mode, version: sources.version }, 1);
    },
  });
  new Counter({
    name: 'kiosk_payments_total',
    help: 'Payments by method and outcome since the journal began: charged (money taken), declined, voided, refunded.',
    labelNames: ['method', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const p of sources.reads.payments()) this.inc({ method: p.method, outcome: p.outcome }, p.count);
    },
  });
  new Counter({
    name: 'kiosk_payment_amount_ore_total',
    help: 'The amounts of those payments, in øre (1/100 DKK).',
    labelNames: ['method', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const p of sources.reads.payments()) this.inc({ method: p.method, outcome: p.outcome }, p.ore);
    },
  });
  new Gauge({
    name: 'kiosk_payments_in_doubt',
    help: 'Payments whose outcome the terminal or MobilePay has not told yet.',
    registers,
    collect() {
      this.set(sources.reads.inDoubt());
    },
  });
  new Gauge({
    name: 'kiosk_payments_needing_attention',
    help: 'Payments waiting for staff (a registration refused, a terminal that could not say).',
    registers,
    collect() {
      this.set(sources.reads.needsAttention());
    },
  });
  new Counter({
    name: 'kiosk_sessions_ended_total',
    help: 'Borrower sessions ended since the kiosk started, by the screen they ended on (approved: paid; any other: given up or timed out there).',
    labelNames: ['screen'],
    registers,
    collect() {
      this.reset();
      for (const [screen, n] of sources.sessionEndings()) this.inc({ screen }, n);
    },
  });
  new Counter({
    name: 'kiosk_delivery_attempts_total',
    help: 'Calls made to deliver registrations, by target (attempts minus deliveries: the failures).',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      const attempts = new Map<string, number>();
      for (const row of sources.reads.outbox())
        attempts.set(row.target, (attempts.get(row.target) ?? 0) + row.attempts);
      for (const [target, n] of attempts) this.inc({ target }, n);
    },
  });
  new Gauge({
    name: 'kiosk_day_mismatches',
    help: "What keeps today's report from balancing: payments waiting, in doubt or for staff (0: the day balances).",
    registers,
    collect() {
      this.set(sources.dayMismatches());
    },
  });
  new Gauge({
    name: 'kiosk_outbox_rows',
    help: 'Registrations in the outbox by target and state (pending and held wait; delivered and rejected are done).',
    labelNames: ['target', 'state'],
    registers,
    collect() {
      this.reset();
      for (const row of sources.reads.outbox()) this.set({ target: row.target, state: row.state }, row.rows);
    },
  });
  new Gauge({
    name: 'kiosk_outbox_oldest_waiting_age_seconds',
    help: 'How long the oldest registration still waiting for its target has waited (0: none waits).',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      const oldest = new Map<string, number>();
      for (const row of sources.reads.outbox()) {
        if (!oldest.has(row.target)) oldest.set(row.target, 0);
        if (row.oldestCreatedMs !== null)
          oldest.set(row.target, Math.max(oldest.get(row.target)!, (now() - row.oldestCreatedMs) / 1000));
      }
      for (const [target, age] of oldest) this.set({ target }, Math.max(0, age));
    },
  });
  new Counter({
    name: 'kiosk_deliveries_total',
    help: 'Registrations that ended at their target: delivered, or rejected (refused for good).',
    labelNames: ['target', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const row of sources.reads.outbox())
        if (row.state === 'delivered' || row.state === 'rejected')
          this.inc({ target: row.target, outcome: row.state }, row.rows);
    },
  });
  new Gauge({
    name: 'kiosk_last_delivery_timestamp_seconds',
    help: 'When a registration last reached each target (Unix time).',
    labelNames: ['target'],
    registers,
    collect() {
      this.reset();
      for (const row of sources.reads.outbox())
        if (row.lastUpdatedMs !== null) this.set({ target: row.target }, row.lastUpdatedMs / 1000);
    },
  });
  new Gauge({
    name: 'kiosk_link_up',
    help: 'Whether each linked system works now (1) or not (0): ØiR (its circuit breaker closed), the card terminal, the STS token.',
    labelNames: ['system'],
    registers,
    collect() {
      this.reset();
      for (const [system, up] of Object.entries(sources.links())) this.set({ system }, up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kiosk_certificate_expiry_timestamp_seconds',
    help: 'When each certificate the kiosk uses ends (Unix time).',
    labelNames: ['certificate'],
    registers,
    collect() {
      this.reset();
      for (const [certificate, notAfter] of Object.entries(sources.certificates()))
        if (notAfter) this.set({ certificate }, notAfter.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'kiosk_printer_ready',
    help: 'The receipt printer can print (1) or not (0).',
    registers,
    async collect() {
      const state = await printerState(sources);
      this.set(state === 'ready' || state === 'paper-low' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kiosk_printer_paper_out',
    help: 'The receipt printer is out of paper (1).',
    registers,
    async collect() {
      this.set((await printerState(sources)) === 'paper-out' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kiosk_scanner_connected',
    help: 'Each configured scanner reads (1) or not (0).',
    labelNames: ['scanner'],
    registers,
    collect() {
      this.reset();
      for (const s of sources.scanners()) this.set({ scanner: s.id }, s.state === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kiosk_journal_disk_free_bytes',
    help: "Free space on the journal's disk.",
    registers,
    collect() {
      const fs = statfsSync(sources.dataDir);
      this.set(fs.bavail * fs.bsize);
    },
  });
  return registry;
}

/** The printer's state, never waited for longer than a second. */
async function printerState(sources: OpsSources): Promise<string> {
  const timeout = new Promise<PrinterStatus>((resolve) =>
    setTimeout(() => resolve({ state: 'offline', detail: 'no answer in time' } as PrinterStatus), 1_000).unref(),
  );
  try {
    return (await Promise.race([sources.printer(), timeout])).state;
  } catch {
    return 'offline';
  }
}
