/**
 * The real core wired to the sandboxes the way the kiosk wires it (FBS client and payment target,
 * ØiR client over mutual TLS behind its link, the nexo driver over HTTPS with the terminal key
 * and a notification listener), from the environment `Sandboxes.env()` gives. Used by the crash
 * test's child process and, in-process, by the outage tests.
 */
import { readFileSync } from 'node:fs';
import { checkAdyenTerminalIdentity } from '../../devices/terminal/nexo/terminal-identity.js';
import { Agent, request } from 'undici';
import { encryptedCodec } from '../../devices/terminal/nexo/codec.js';
import { NexoTerminal } from '../../devices/terminal/nexo/driver.js';
import { NetsCloudTerminal } from '../../devices/terminal/nets-cloud/driver.js';
import { MobilePayPayments } from '../../integrations/mobilepay/client.js';
import { PaymentMethods } from '../../core/payment-methods.js';
import type { PaymentTerminal } from '../../ports/payment-terminal.js';
import { listenForNotifications } from '../../devices/terminal/nexo/notifications.js';
import { FbsClient } from '../../integrations/fbs/client.js';
import { fbsPaymentTarget } from '../../integrations/fbs/payment-target.js';
import { SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { readPkcs12 } from '../../integrations/oeir/certificates.js';
import { OeirClient } from '../../integrations/oeir/client.js';
import { OeirLink } from '../../integrations/oeir/link.js';
import { StsTokenProvider } from '../../integrations/oeir/sts/token-provider.js';
import { oeirPaymentTarget } from '../../integrations/oeir/payment-target.js';
import { lookUpDebtorClaims } from '../../integrations/oeir/precharge.js';
import { UnconfirmedDebtorPolicy } from '../../contract/index.js';
import { claimSourcesFor } from '../../core/claim-sources.js';
import { DEFAULT_WSDL, DEMO_MUNICIPALITY_CVR } from '../../integrations/oeir/sandbox/server.js';
import type { KioskConfig } from '../../config/config.js';
import { Core } from '../../core/core.js';
import type { Logger } from '../../base/log.js';
import { testConfig } from '../support/fixtures.js';

/**
 * The longest a payment request may stall on its way to the terminal in the crash tests: with
 * the terminal's 800 ms, "not found" proves nothing for 2.3 s after sending. The stalling proxy
 * of the fault matrix holds requests for up to 1.5 times that (beyond it, the terminal check must
 * find the capture).
 */
export const MAX_TRANSIT_MS = Number(process.env.TERMINAL_MAX_TRANSIT_MS ?? 1_500);

export interface TestCore {
  readonly core: Core;
  readonly terminal: PaymentTerminal;
  /** Stops the core and closes every client it used. */
  close(): Promise<void>;
}

export async function startTestCore(
  env: Record<string, string | undefined>,
  log: Logger,
  options: { outbox?: Partial<KioskConfig['outbox']>; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): Promise<TestCore> {
  const fbs = new FbsClient({ baseUrl: env.FBS_URL!, ...SANDBOX_CLIENT, timeoutMs: 400, log });
  const certificate = readPkcs12(readFileSync(env.OEIR_P12!), env.OEIR_PASSWORD!);
  const oeirCa = readFileSync(env.OEIR_CA!, 'utf8');
  // The token model (OEIR_SECURITY=token): a token from the STS sandbox, every call signed.
  const tokens =
    env.OEIR_SECURITY === 'token'
      ? new StsTokenProvider({
          endpoint: env.STS_URL!,
          appliesTo: env.STS_AUDIENCE!,
          cvr: DEMO_MUNICIPALITY_CVR,
          certificate,
          caPem: oeirCa,
          timeoutMs: 2_000,
          log,
        })
      : undefined;
  const oeir = new OeirLink(
    await OeirClient.create({
      wsdlPath: DEFAULT_WSDL,
      endpoint: env.OEIR_URL!,
      // A signed call costs the sandbox two signature checks: more time on a busy machine.
      timeoutMs: tokens ? 1_500 : 400,
      context: { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR },
      certificate,
      caPem: oeirCa,
      ...(tokens ? { tokens } : {}),
      log,
    }),
    { failuresToOpen: 5, halfOpenAfterMs: 100 },
    log,
  );
  if (env.TERMINAL_DRIVER === 'nets') return startNetsTestCore(env, log, options, fbs, oeir);
  // The terminal's CA, or a stalling proxy's in front of it (tests/support/stalling-proxy.ts).
  const caPem = env.TERMINAL_CA_PEM ?? readFileSync(env.TERMINAL_CA!, 'utf8');
  const terminal = new NexoTerminal({
    url: env.TERMINAL_URL!,
    poiId: env.TERMINAL_POIID!,
    saleId: 'KIOSK1',
    codec: encryptedCodec({ keyIdentifier: 'CrashKey', keyVersion: 1, passphrase: env.TERMINAL_PASSPHRASE! }),
    caPem,
    terminalTimeoutMs: 800,
    clientTimeoutMs: 1_200,
    requestTimeoutMs: 1_000,
    // A request stalls on loopback for at most this long in these tests (the stall tests set it).
    maxTransitMs: MAX_TRANSIT_MS,
    log,
  });
  // The terminal's display notifications come here; tell the terminal where (its event URL).
  const listener = await listenForNotifications({
    host: '127.0.0.1',
    port: 0,
    onMessage: (body) => terminal.handleNotification(body),
    log,
  });
  const control = new Agent({
    connect: { ca: caPem, checkServerIdentity: checkAdyenTerminalIdentity(env.TERMINAL_POIID!) },
  });
  await request(env.TERMINAL_URL!.replace('/nexo', '/control/state'), {
    method: 'POST',
    body: JSON.stringify({ notificationUrl: listener.url }),
    dispatcher: control,
  }).then((r) => r.body.dump());

  // MobilePay beside the card terminal, each payment's calls routed by the method it used.
  const mobilepay = env.TERMINAL_DRIVER === 'mobilepay' ? mobilePayClient(env, log) : null;
  const methods = mobilepay ? new PaymentMethods(terminal, mobilepay, (id) => core.journal.get(id).method) : null;
  const core = newCore(env, log, options, methods ?? terminal, fbs, oeir, methods);
  return {
    core,
    terminal: methods ?? terminal,
    async close() {
      await core.stop();
      await fbs.close();
      oeir.close();
      tokens?.close();
      await terminal.close();
      await mobilepay?.close();
      await listener.close();
      await control.close();
    },
  };
}

/** The MobilePay client against the ePayment sandbox, polling at the pace of these runs. */
function mobilePayClient(env: Record<string, string | undefined>, log: Logger): MobilePayPayments {
  return new MobilePayPayments({
    baseUrl: env.MOBILEPAY_URL!,
    clientId: env.MOBILEPAY_CLIENT_ID!,
    clientSecret: env.MOBILEPAY_CLIENT_SECRET!,
    subscriptionKey: env.MOBILEPAY_SUBSCRIPTION_KEY!,
    merchantSerialNumber: env.MOBILEPAY_MSN!,
    systemName: 'library-payment-kiosk',
    systemVersion: 'test',
    caPem: readFileSync(env.MOBILEPAY_CA!, 'utf8'),
    firstPollMs: 20,
    pollIntervalMs: 20,
    requestTimeoutMs: 1_000,
    maxTransitMs: MAX_TRANSIT_MS,
    paymentDescription: 'Gebyrer',
    drawQr: (content) => Promise.resolve(content),
    log,
  });
}

/** The same core with the Nets Connect@Cloud driver against the Connect@Cloud simulator. */
async function startNetsTestCore(
  env: Record<string, string | undefined>,
  log: Logger,
  options: Parameters<typeof startTestCore>[2],
  fbs: FbsClient,
  oeir: OeirLink,
): Promise<TestCore> {
  const terminal = new NetsCloudTerminal({
    baseUrl: env.NETS_URL!,
    username: env.NETS_USER!,
    password: env.NETS_PASSWORD!,
    terminalId: env.NETS_TERMINAL!,
    caPem: readFileSync(env.NETS_CA!, 'utf8'),
    // The simulator's terminal gives up after 800 ms; the held call waits longer.
    purchaseTimeoutMs: 1_200,
    requestTimeoutMs: 1_000,
    maxTransitMs: MAX_TRANSIT_MS,
    timeZone: 'Europe/Copenhagen',
    log,
  });
  const core = newCore(env, log, options ?? {}, terminal, fbs, oeir);
  return {
    core,
    terminal,
    async close() {
      await core.stop();
      await fbs.close();
      oeir.close();
      await terminal.close();
    },
  };
}

function newCore(
  env: Record<string, string | undefined>,
  log: Logger,
  options: NonNullable<Parameters<typeof startTestCore>[2]>,
  terminal: PaymentTerminal,
  fbs: FbsClient,
  oeir: OeirLink,
  methods: PaymentMethods | null = null,
): Core {
  return new Core({
    ...(methods ? { methodHealth: (method) => methods.health(method) } : {}),
    config: testConfig(env.KIOSK_DATA_DIR!, {
      leaseMs: 800,
      callTimeoutMs: 400,
      baseBackoffMs: 20,
      maxBackoffMs: 100,
      pollIntervalMs: 20,
      ...options.outbox,
    }),
    terminal,
    targets: {
      'fbs.payment': fbsPaymentTarget(fbs),
      'oeir.indbetaling': oeirPaymentTarget(oeir),
    },
    // The same checks before charging as the kiosk's: its own journal, FBS, the debtor system.
    // OEIR_POLICY: what to do with debtor-route claims the debtor system cannot confirm (the
    // fault matrix takes them anyway, so only the journal stands between a borrower and a second
    // charge while ØiR is down).
    claimSources: claimSourcesFor(
      fbs,
      { lookUp: (claims) => lookUpDebtorClaims(oeir, claims) },
      {
        offlinePolicy: UnconfirmedDebtorPolicy.parse(env.OEIR_POLICY ?? 'accept-and-queue'),
        confirmationValidMinutes: 10,
        // The debtor integration's cut-off date: every debtor-route claim of the test borrowers is newer.
        cutOffDate: '2020-01-01',
      },
    ),
    packaged: false,
    log,
    ...(options.now ? { now: options.now } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
}
