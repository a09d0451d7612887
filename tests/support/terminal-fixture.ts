import { encryptedCodec, plainCodec } from '../../devices/terminal/nexo/codec.js';
import type { NexoKey } from '../../devices/terminal/nexo/crypto.js';
import { NexoTerminal } from '../../devices/terminal/nexo/driver.js';
import { listenForNotifications, type NotificationListener } from '../../devices/terminal/nexo/notifications.js';
import { TerminalSimulator, type SimulatorTiming } from '../../devices/terminal/simulator/server.js';
import type { Logger } from '../../base/log.js';
import { memoryLogger } from './fixtures.js';

export const TEST_KEY: NexoKey = { keyIdentifier: 'TestKey', keyVersion: 1, passphrase: 'kiosk test passphrase' };

/** Fast terminal timings: the terminal gives up after 800 ms, the driver after 1.2 s. */
export const FAST_TIMING: SimulatorTiming = { stepMs: 10, terminalTimeoutMs: 800, slowMs: 400 };
export const CLIENT_TIMEOUT_MS = 1_200;
/** The longest a request may stall on loopback in these tests: "not found" is proof 800 + 400 ms after sending. */
export const MAX_TRANSIT_MS = 400;

export interface TerminalFixture {
  readonly simulator: TerminalSimulator;
  readonly terminal: NexoTerminal;
  readonly listener: NotificationListener;
  readonly log: Logger;
  /** Log lines written so far. */
  readonly logLines: () => string[];
  close(): Promise<void>;
}

/** The terminal simulator on loopback HTTPS and the real nexo driver talking to it. */
export async function startTerminalFixture(
  options: { encrypted?: boolean; timing?: Partial<SimulatorTiming>; driverKey?: NexoKey } = {},
): Promise<TerminalFixture> {
  const encrypted = options.encrypted ?? true;
  const simulator = new TerminalSimulator({
    ...(encrypted ? { key: TEST_KEY } : {}),
    timing: { ...FAST_TIMING, ...options.timing },
  });
  await simulator.start();
  const { log, lines } = memoryLogger();
  const terminal = new NexoTerminal({
    url: simulator.url,
    poiId: simulator.poiId,
    saleId: 'KIOSK1',
    codec: encrypted ? encryptedCodec(options.driverKey ?? TEST_KEY) : plainCodec(),
    caPem: simulator.caPem,
    terminalTimeoutMs: simulator.timing.terminalTimeoutMs,
    clientTimeoutMs: CLIENT_TIMEOUT_MS,
    requestTimeoutMs: 1_000,
    // A request stalls on loopback for at most this long in these tests (the stall tests set it).
    maxTransitMs: MAX_TRANSIT_MS,
    log,
  });
  const listener = await listenForNotifications({
    host: '127.0.0.1',
    port: 0,
    onMessage: (body) => terminal.handleNotification(body),
    log,
  });
  simulator.setState({ notificationUrl: listener.url });
  return {
    simulator,
    terminal,
    listener,
    log,
    logLines: lines,
    async close() {
      await terminal.close();
      await listener.close();
      await simulator.close();
    },
  };
}
