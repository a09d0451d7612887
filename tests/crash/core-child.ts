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
 *   PAY_AGAIN=1         after each payment the same borrower tries to pay the same claims again
 *                       (a second charge must be refused while the kiosk holds the first)
 *   DRAIN=0             exit after the payments, without waiting for the outbox (a target is down)
 *   SETTLE_MS           after draining, wait this long, then check every sent request against the
 *                       terminal's own record (a request that arrived late is found)
 *   OEIR_POLICY         debtor-route claims the debtor system cannot confirm (default: charge them)
 * Prints one JSON line per event on stdout; exits 0 once the outbox has nothing left to send.
 */
import pino from 'pino';
import { ClaimsChangedError } from '../../core/checkout.js';
import { createLogger } from '../../base/log.js';
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
/** One borrower paying: the payment, or the reason nothing was charged. */
async function pay(patronId: string, lines: [string, number, 'fbs' | 'debtor'][], event: string): Promise<void> {
  // A terminal stays busy for a moment after an approval (card removal, final notification); a
  // borrower would try again, and so does this script: a busy decline charged nothing.
  for (let attempt = 1; ; attempt++) {
    let payment;
    try {
      payment = await core.checkout.pay({
        channel: 'kiosk',
        // With the MobilePay sandbox: every payment by QR (its phone approves it).
        method: env.TERMINAL_DRIVER === 'mobilepay' ? 'mobilepay' : 'card',
        patronId,
        actor: 'kiosk',
        lines: lines.map(([fee, ore, route]) => line(fee, ore, route)),
      });
    } catch (error) {
      if (!(error instanceof ClaimsChangedError)) throw error;
      say({ event, refused: error.changes });
      return;
    }
    say({ event, id: payment.id, state: payment.state });
    const busy = payment.state === 'declined' && core.journal.declineCode(payment.id) === 'busy';
    if (!busy || attempt === 50) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const { patronId, lines } of payments) {
  await pay(patronId, lines, 'paid');
  if (env.PAY_AGAIN === '1') await pay(patronId, lines, 'paid-again');
}
if (env.DRAIN === '0') {
  say({ event: 'not-drained', counts: core.outbox.counts() });
  await close();
  process.exit(0);
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
if (env.SETTLE_MS) {
  // A request stalled beyond the in-flight window may still reach the terminal: wait until it
  // has, then ask the terminal about every payment request (terminal_checks).
  await new Promise((r) => setTimeout(r, Number(env.SETTLE_MS)));
  const audit = await core.terminalAudit.runDue();
  say({ event: 'audited', checked: audit.checked, flagged: audit.flagged });
}
await close();
