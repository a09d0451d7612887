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
import { Core } from '../../main/core.js';
import { createLogger } from '../../main/log.js';
import pino from 'pino';
import { line, testConfig } from '../support/fixtures.js';
import { FbsClient } from '../../integrations/fbs/client.js';
import { fbsPaymentTarget } from '../../integrations/fbs/payment-target.js';
import { SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { readFileSync } from 'node:fs';
import { readPkcs12 } from '../../integrations/oeir/certificates.js';
import { OeirClient } from '../../integrations/oeir/client.js';
import { OeirLink } from '../../integrations/oeir/link.js';
import { oeirPaymentTarget } from '../../integrations/oeir/payment-target.js';
import { DEFAULT_WSDL, DEMO_MUNICIPALITY_CVR } from '../../integrations/oeir/sandbox/server.js';
import { encryptedCodec } from '../../devices/terminal/nexo/codec.js';
import { NexoTerminal } from '../../devices/terminal/nexo/driver.js';
import { listenForNotifications } from '../../devices/terminal/nexo/notifications.js';
import { Agent, request } from 'undici';

const env = process.env;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const log = createLogger({ level: 'warn', destination: pino.destination({ fd: 2, sync: true }) });
const fbs = new FbsClient({ baseUrl: env.FBS_URL!, ...SANDBOX_CLIENT, timeoutMs: 400, log });
const oeir = new OeirLink(
  await OeirClient.create({
    wsdlPath: DEFAULT_WSDL,
    endpoint: env.OEIR_URL!,
    timeoutMs: 400,
    context: { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR },
    certificate: readPkcs12(readFileSync(env.OEIR_P12!), env.OEIR_PASSWORD!),
    caPem: readFileSync(env.OEIR_CA!, 'utf8'),
    log,
  }),
  { failuresToOpen: 5, halfOpenAfterMs: 100 },
  log,
);
const caPem = readFileSync(env.TERMINAL_CA!, 'utf8');
const terminal = new NexoTerminal({
  url: env.TERMINAL_URL!,
  poiId: env.TERMINAL_POIID!,
  saleId: 'KIOSK1',
  codec: encryptedCodec({ keyIdentifier: 'CrashKey', keyVersion: 1, passphrase: env.TERMINAL_PASSPHRASE! }),
  caPem,
  terminalTimeoutMs: 800,
  clientTimeoutMs: 1_200,
  requestTimeoutMs: 1_000,
  log,
});
// The terminal's display notifications come here; tell the terminal where (its event URL).
const listener = await listenForNotifications({
  host: '127.0.0.1',
  port: 0,
  onMessage: (body) => terminal.handleNotification(body),
  log,
});
const control = new Agent({ connect: { ca: caPem } });
await request(env.TERMINAL_URL!.replace('/nexo', '/control/state'), {
  method: 'POST',
  body: JSON.stringify({ notificationUrl: listener.url }),
  dispatcher: control,
}).then((r) => r.body.dump());

const core = new Core({
  config: testConfig(env.KIOSK_DATA_DIR!, {
    leaseMs: 800,
    callTimeoutMs: 400,
    baseBackoffMs: 20,
    maxBackoffMs: 100,
    pollIntervalMs: 20,
  }),
  terminal,
  targets: {
    'fbs.payment': fbsPaymentTarget(fbs),
    'oeir.indbetaling': oeirPaymentTarget(oeir),
  },
  packaged: false,
  log,
});

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
await core.stop();
await fbs.close();
oeir.close();
await terminal.close();
await listener.close();
await control.close();
