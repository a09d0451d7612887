import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TerminalConfig } from './config.js';
import type { Logger } from '../../base/log.js';
import { encryptedCodec, plainCodec } from './nexo/codec.js';
import type { NexoKey } from './nexo/crypto.js';
import { NexoTerminal } from './nexo/driver.js';
import { listenForNotifications, type NotificationListener } from './nexo/notifications.js';
import { TerminalSimulator } from './simulator/server.js';
import { NetsCloudTerminal } from './nets-cloud/driver.js';
import { NetsCloudSimulator } from './nets-cloud/simulator.js';
import { NETS_HOSTS } from './nets-cloud/wire.js';
import { notConfiguredTerminal, type PaymentTerminal } from '../../ports/payment-terminal.js';

export interface TerminalSetup {
  readonly terminal: PaymentTerminal;
  /** Demo mode: the simulator the driver talks to (tests and the technician screen use it). */
  readonly simulator: TerminalSimulator | null;
  /** Demo with `nets-cloud-simulator`: the Connect@Cloud simulator the Nets driver talks to. */
  readonly netsSimulator?: NetsCloudSimulator | null;
  /** What a technician must fix, reported at start-up. */
  readonly problems: readonly string[];
  close(): Promise<void>;
}

/**
 * The configured card terminal: the nexo driver against a real terminal, or (demo) against the
 * built-in simulator with a fresh key per launch, so the demo runs the whole protocol, encryption
 * included. The driver's display notifications arrive through a small listener.
 */
export async function setUpTerminal(
  config: TerminalConfig,
  log: Logger,
  demo: { readonly keepKeysIn?: string; readonly timeZone?: string } = {},
): Promise<TerminalSetup> {
  if (config.driver === 'none') {
    return { terminal: notConfiguredTerminal, simulator: null, problems: [], close: () => Promise.resolve() };
  }
  if (config.driver === 'nets-cloud' || config.driver === 'nets-cloud-simulator')
    return setUpNetsCloud(config, log, demo.timeZone ?? 'Europe/Copenhagen');
  let simulator: TerminalSimulator | null = null;
  let listener: NotificationListener | null = null;
  try {
    let url = config.url;
    let poiId = config.poiId;
    let caPem = config.caPath ? readFileSync(config.caPath, 'utf8') : undefined;
    let key: NexoKey | null = config.passphrase
      ? { keyIdentifier: config.keyIdentifier, keyVersion: config.keyVersion, passphrase: config.passphrase }
      : null;
    if (config.driver === 'simulator') {
      key = { keyIdentifier: 'DemoKey', keyVersion: 1, passphrase: randomBytes(24).toString('base64') };
      simulator = new TerminalSimulator({
        key,
        ...(demo.keepKeysIn ? { keepKeysIn: demo.keepKeysIn } : {}),
        timing: {
          stepMs: config.simulatorStepMs,
          terminalTimeoutMs: config.terminalTimeoutMs,
          // The demo's slow acquirer: long enough to see, within the terminal's own limit.
          slowMs: Math.min(15_000, Math.floor(config.terminalTimeoutMs / 2)),
        },
      });
      url = await simulator.start();
      poiId = simulator.poiId;
      caPem = simulator.caPem;
      log.info({ terminal: url }, 'demo mode: terminal simulator started');
    }
    const terminal = new NexoTerminal({
      url,
      poiId,
      saleId: config.saleId,
      codec: key ? encryptedCodec(key) : plainCodec(),
      ...(caPem ? { caPem } : {}),
      terminalTimeoutMs: config.terminalTimeoutMs,
      clientTimeoutMs: config.clientTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxTransitMs: config.maxRequestTransitMs,
      log,
    });
    const problems = key ? [] : ['the terminal connection is not encrypted (lab variant)'];
    const notifications = config.notifications;
    const tls = notifications.certPath
      ? { certPem: readFileSync(notifications.certPath, 'utf8'), keyPem: readFileSync(notifications.keyPath, 'utf8') }
      : undefined;
    const basicAuth = notifications.username
      ? { username: notifications.username, password: notifications.password }
      : undefined;
    if (config.driver === 'nexo' && !tls)
      problems.push(
        "display notifications are plain HTTP: Adyen's live terminals post only to HTTPS (terminal.notifications.certPath/keyPath)",
      );
    listener = await listenForNotifications({
      host: notifications.host,
      port: notifications.port,
      ...(tls ? { tls } : {}),
      ...(basicAuth ? { basicAuth } : {}),
      onMessage: (body) => terminal.handleNotification(body),
      log,
    });
    simulator?.setState({
      notificationUrl: listener.url,
      ...(basicAuth ? { notificationUsername: basicAuth.username, notificationPassword: basicAuth.password } : {}),
      ...(tls ? { notificationCaPem: tls.certPem } : {}),
    });
    const opened = { simulator, listener };
    return {
      terminal,
      simulator,
      problems,
      async close() {
        await terminal.close();
        await opened.listener.close();
        await opened.simulator?.close();
      },
    };
  } catch (error) {
    await listener?.close();
    await simulator?.close();
    throw error;
  }
}

/**
 * A Nets terminal through Connect@Cloud, or (demo) the built-in Connect@Cloud simulator with a
 * fresh account per launch, so the demo runs the whole protocol: log-in, held purchase, look-up.
 */
async function setUpNetsCloud(config: TerminalConfig, log: Logger, timeZone: string): Promise<TerminalSetup> {
  const nets = config.netsCloud;
  let netsSimulator: NetsCloudSimulator | null = null;
  let access = {
    baseUrl: nets.baseUrl || NETS_HOSTS[nets.environment],
    username: nets.username,
    password: nets.password,
    terminalId: nets.terminalId,
    caPem: config.caPath ? readFileSync(config.caPath, 'utf8') : undefined,
  };
  if (config.driver === 'nets-cloud-simulator') {
    netsSimulator = new NetsCloudSimulator({
      timing: {
        stepMs: config.simulatorStepMs,
        terminalTimeoutMs: config.terminalTimeoutMs,
        slowMs: Math.min(15_000, Math.floor(config.terminalTimeoutMs / 2)),
      },
      timeZone,
    });
    const baseUrl = await netsSimulator.start();
    access = {
      baseUrl,
      username: netsSimulator.username,
      password: netsSimulator.password,
      terminalId: netsSimulator.terminalId,
      caPem: netsSimulator.caPem,
    };
    log.info({ terminal: baseUrl }, 'demo mode: Nets Connect@Cloud simulator started');
  }
  const terminal = new NetsCloudTerminal({
    baseUrl: access.baseUrl,
    username: access.username,
    password: access.password,
    terminalId: access.terminalId,
    ...(access.caPem ? { caPem: access.caPem } : {}),
    purchaseTimeoutMs: nets.purchaseTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxTransitMs: config.maxRequestTransitMs,
    timeZone,
    log,
  });
  const opened = netsSimulator;
  return {
    terminal,
    simulator: null,
    netsSimulator,
    problems: [],
    async close() {
      await terminal.close();
      await opened?.close();
    },
  };
}
