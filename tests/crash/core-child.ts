/**
 * The real core in its own process, for the crash test. The terminal simulator and the FBS and
 * ØiR sandboxes run in the test's process and outlive this one. Environment:
 *   KIOSK_DATA_DIR      the database folder (shared by the killed run and the restart)
 *   KIOSK_FAULT_POINT   optional: where to die with SIGKILL
 *   TERMINAL_URL, TERMINAL_POIID, TERMINAL_CA, TERMINAL_PASSPHRASE   the terminal simulator (nexo over HTTPS)
 *   FBS_URL             the FBS sandbox (fbs.payment is delivered there with the real client)
 *   OEIR_URL            the ØiR sandbox (oeir.indbetaling over mutual TLS with the real client)
 *   OEIR_P12, OEIR_PASSWORD, OEIR_CA   the organisation certificate and the sandbox CA
 *   PAYMENTS            JSON array of { patronId, lines: [feeId, amountOre, route][] }
 * Prints one JSON line per event on stdout; exits 0 once the outbox has nothing left to send.
 */
import pino from 'pino';
import { createLogger } from '../../main/log.js';
import { line } from '../support/fixtures.js';
import { startTestCore } from '../faults/test-core.js';

const env = process.env;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const log = createLogger({ level: 'warn', destination: pino.destination({ fd: 2, sync: true }) });
const { core, close } = await startTestCore(env, log);

const report = core.start();
say({
  event: 'started',
  abandoned: report.abandoned,
  inDoubt: report.inDoubt.map((p) => p.id),
  auditOk: report.audit.ok,
});
const recovered = await core.recovered;
say({ event: 'recovered', states: Object.fromEntries(recovered.map((p) => [p.id, p.state])) });

const payments = JSON.parse(env.PAYMENTS ?? '[]') as {
  patronId: string;
  lines: [string, number, 'fbs' | 'debtor'][];
}[];
for (const { patronId, lines } of payments) {
  // A terminal stays busy for a moment after an approval (card removal, final notification); a
  // borrower would try again, and so does this script: a busy decline charged nothing.
  for (let attempt = 1; ; attempt++) {
    const payment = await core.checkout.pay({
      channel: 'kiosk',
      patronId,
      actor: 'kiosk',
      lines: lines.map(([fee, ore, route]) => line(fee, ore, route)),
    });
    say({ event: 'paid', id: payment.id, state: payment.state });
    const busy = payment.state === 'declined' && core.journal.latestReason(payment.id)?.startsWith('busy');
    if (!busy || attempt === 50) break;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deadline = Date.now() + 20_000;
for (;;) {
  const counts = core.outbox.counts();
  if (counts.pending + counts.sending === 0) break;
  if (Date.now() > deadline) {
    say({ event: 'not-drained', counts });
    process.exit(3);
  }
  await new Promise((r) => setTimeout(r, 20));
}
say({ event: 'drained', counts: core.outbox.counts() });
await close();
