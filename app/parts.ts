import { join } from 'node:path';
import type { DiagnosticParts } from './diagnostics.js';
import { setUpPrinter, type PrinterSetup } from '../devices/printer/setup.js';
import type { ScanHub } from '../devices/scanner/scan-hub.js';
import { setUpScanners } from '../devices/scanner/setup.js';
import { setUpTerminal, type TerminalSetup } from '../devices/terminal/setup.js';
import { setUpMobilePay, type MobilePaySetup } from '../integrations/mobilepay/setup.js';
import { FbsClient } from '../integrations/fbs/client.js';
import { FbsSandbox } from '../integrations/fbs/sandbox/server.js';
import { setUpOeir, type OeirSetup } from '../integrations/oeir/setup.js';
import type { KioskConfig } from '../config/config.js';
import type { Logger } from '../base/log.js';
import { shutdownStep } from '../base/shutdown.js';
import { messageOf } from '../base/errors.js';

/**
 * Everything outside the core that a kiosk talks to: FBS, ØiR, the terminal, the printer and
 * the scanners — or, in demo mode, their sandboxes and simulators. The running kiosk and
 * `kiosk doctor` (and so the command line) open them here, the same way, and close them with
 * one call.
 */
export interface KioskParts {
  /** Demo mode with the built-in FBS sandbox (no FBS address configured). */
  readonly demo: boolean;
  readonly fbs: FbsClient;
  /** The FBS settings in use (in demo mode: the sandbox's address and credentials). */
  readonly fbsAccess: KioskConfig['fbs'];
  readonly fbsSandbox: FbsSandbox | null;
  readonly oeir: OeirSetup;
  readonly terminal: TerminalSetup;
  /** MobilePay, when offered (and its sandbox in the demo). */
  readonly mobilepay: MobilePaySetup;
  readonly printer: PrinterSetup;
  readonly scanners: ScanHub;
  /** The parts as the diagnostics check them (the journal and config checks are the caller's). */
  diagnosticParts(): Pick<DiagnosticParts, 'fbs' | 'oeir' | 'terminal' | 'mobilepay' | 'printer' | 'scanners'>;
  /** Closes every part opened, each step named in the log if it hangs. */
  close(): Promise<void>;
}

/** The kiosk's version, as it names itself to Vipps MobilePay (`Vipps-System-Version`); package.json's (a unit test keeps them equal). */
export const KIOSK_VERSION = '0.1.0';

export async function openParts(config: KioskConfig & { dataDir: string }, log: Logger): Promise<KioskParts> {
  const closers: { name: string; close: () => Promise<void> | void }[] = [];
  const close = async (): Promise<void> => {
    for (const part of closers.splice(0).reverse()) await shutdownStep(log, part.name, part.close);
  };
  try {
    let fbsSandbox: FbsSandbox | null = null;
    let fbsAccess = config.fbs;
    if (config.mode === 'demo' && !config.fbs.baseUrl) {
      const sandbox = new FbsSandbox();
      closers.push({ name: 'fbs sandbox', close: () => sandbox.close() });
      fbsAccess = { ...config.fbs, baseUrl: await sandbox.start(), ...sandbox.client };
      fbsSandbox = sandbox;
      log.info({ fbs: fbsAccess.baseUrl }, 'demo mode: FBS sandbox started');
    }
    const fbs = new FbsClient({ ...fbsAccess, log: log.child({ integration: 'fbs' }) });
    closers.push({ name: 'fbs client', close: () => fbs.close() });
    // The sandboxes' throwaway keys are kept in the data folder: making them is most of a demo start.
    const demoKeys = { keepKeysIn: join(config.dataDir, 'demo-keys') };
    const oeir = await setUpOeir(config.oeir, log, demoKeys);
    closers.push({ name: 'oeir', close: () => oeir.close() });
    const terminal = await setUpTerminal(config.terminal, log.child({ device: 'terminal' }), {
      ...demoKeys,
      timeZone: config.library.timeZone,
    });
    closers.push({ name: 'terminal', close: () => terminal.close() });
    for (const problem of terminal.problems) log.warn({ problem }, 'terminal set-up');
    const mobilepay = await setUpMobilePay(config, KIOSK_VERSION, log);
    closers.push({ name: 'mobilepay', close: () => mobilepay.close() });
    const printer = await setUpPrinter(config.printer, log);
    closers.push({ name: 'printer', close: () => printer.close() });
    const scanners = setUpScanners(config.scanner, log);
    closers.push({ name: 'scanners', close: () => scanners.stop() });
    return {
      demo: fbsSandbox !== null,
      fbs,
      fbsAccess,
      fbsSandbox,
      oeir,
      terminal,
      mobilepay,
      printer,
      scanners,
      diagnosticParts: () => ({
        fbs: fbsCheck(fbs, { ...config, fbs: fbsAccess }, fbsSandbox !== null),
        oeir,
        terminal: {
          description: terminal.simulator
            ? 'demo: the built-in terminal simulator'
            : terminal.netsSimulator
              ? 'demo: the built-in Nets Connect@Cloud simulator'
              : config.terminal.driver === 'nets-cloud'
                ? `Nets Connect@Cloud, terminal ${config.terminal.netsCloud.terminalId}`
                : config.terminal.url || 'none',
          health: () => terminal.terminal.health(),
        },
        mobilepay: mobilepay.payments
          ? { description: mobilepay.description, health: () => mobilepay.payments!.health() }
          : null,
        printer: { description: printer.printer.description, status: () => printer.printer.status() },
        scanners: () => scanners.status(),
      }),
      close,
    };
  } catch (error) {
    // A part that cannot be opened: leave nothing running behind it.
    await close();
    throw error;
  }
}

/** The FBS check: a fresh log-in, then (when configured) the test card looked up without PIN. */
function fbsCheck(fbs: FbsClient, config: KioskConfig, demo: boolean): DiagnosticParts['fbs'] {
  return {
    description: demo ? 'demo: the built-in FBS sandbox' : `${config.fbs.baseUrl} (${config.fbs.agencyId})`,
    check: async () => {
      await fbs.logInNow();
      const card = config.diagnostics.fbsTestCard;
      if (!card) return 'logged in (no test card configured)';
      const { patronId } = await fbs.preauthenticate(card).catch((error: unknown) => {
        throw new Error(`logged in, but the test card was not found: ${messageOf(error)}`);
      });
      return `logged in; test card found (patron ${patronId})`;
    },
  };
}
