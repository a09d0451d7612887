import type { DiagnosticCheck } from '../contract/index.js';
import { setUpPrinter, type PrinterSetup } from '../devices/printer/setup.js';
import type { ScanHub } from '../devices/scanner/scan-hub.js';
import { setUpScanners } from '../devices/scanner/setup.js';
import { setUpTerminal, type TerminalSetup } from '../devices/terminal/setup.js';
import { FbsClient } from '../integrations/fbs/client.js';
import { FbsSandbox } from '../integrations/fbs/sandbox/server.js';
import { setUpOeir, type OeirSetup } from '../integrations/oeir/setup.js';
import type { KioskConfig } from '../config/config.js';
import type { ConfigFile } from '../config/config-file.js';
import { runDiagnostics, type DiagnosticParts } from './diagnostics.js';
import type { Logger } from '../base/log.js';

/** The FBS check: a fresh log-in, then (when configured) the test card looked up without PIN. */
export function fbsCheck(fbs: FbsClient, config: KioskConfig, demo: boolean): DiagnosticParts['fbs'] {
  return {
    description: demo ? 'demo: the built-in FBS sandbox' : `${config.fbs.baseUrl} (${config.fbs.agencyId})`,
    check: async () => {
      await fbs.logInNow();
      const card = config.diagnostics.fbsTestCard;
      if (!card) return 'logged in (no test card configured)';
      const { patronId } = await fbs.preauthenticate(card).catch((error: Error) => {
        throw new Error(`logged in, but the test card was not found: ${error.message}`);
      });
      return `logged in; test card found (patron ${patronId})`;
    },
  };
}

/**
 * `kiosk doctor` when run over SSH: every part set up from the config exactly as the kiosk
 * does (in demo mode with its sandboxes and simulators), checked, and closed again. No core is
 * started: nothing is sent from the queue and the journal is only read.
 */
export async function standaloneDiagnostics(
  config: KioskConfig & { dataDir: string },
  configFile: ConfigFile | null,
  log: Logger,
): Promise<DiagnosticCheck[]> {
  let fbsSandbox: FbsSandbox | null = null;
  let fbsAccess = config.fbs;
  let oeir: OeirSetup | null = null;
  let terminal: TerminalSetup | null = null;
  let printer: PrinterSetup | null = null;
  let scanners: ScanHub | null = null;
  const demo = config.mode === 'demo' && !config.fbs.baseUrl;
  if (demo) {
    fbsSandbox = new FbsSandbox();
    fbsAccess = { ...config.fbs, baseUrl: await fbsSandbox.start(), ...fbsSandbox.client };
  }
  const fbs = new FbsClient({ ...fbsAccess, log });
  try {
    oeir = await setUpOeir(config.oeir, log);
    terminal = await setUpTerminal(config.terminal, log);
    printer = await setUpPrinter(config.printer, log);
    scanners = setUpScanners(config.scanner, log);
    // Serial and HID scanners connect asynchronously: give them a moment to be found.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const hub = scanners;
    const p = printer.printer;
    const t = terminal.terminal;
    return await runDiagnostics({
      ...(configFile ? { config: () => configFile.validate() } : {}),
      dataDir: config.dataDir,
      minFreeDiskMb: config.diagnostics.minFreeDiskMb,
      fbs: fbsCheck(fbs, { ...config, fbs: fbsAccess }, demo),
      oeir,
      terminal: {
        description: terminal.simulator ? 'demo: the built-in terminal simulator' : config.terminal.url || 'none',
        health: () => t.health(),
      },
      printer: { description: p.description, status: () => p.status() },
      // Serial and HID sources; the keyboard wedge lives in the kiosk's window and is tested there.
      scanners: () => hub.status(),
    });
  } finally {
    await scanners?.stop();
    await printer?.close();
    await terminal?.close();
    await oeir?.close();
    await fbs.close();
    await fbsSandbox?.close();
  }
}
