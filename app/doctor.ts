import type { DiagnosticCheck } from '../contract/index.js';
import type { KioskConfig } from '../config/config.js';
import type { ConfigFile } from '../config/config-file.js';
import { runDiagnostics } from './diagnostics.js';
import { openParts } from './parts.js';
import type { Logger } from '../base/log.js';

/**
 * `kiosk doctor` when run over SSH: every part opened from the config exactly as the kiosk
 * does (openParts; in demo mode with its sandboxes and simulators), checked, and closed again.
 * No core is started: nothing is sent from the queue and the journal is only read.
 */
export async function standaloneDiagnostics(
  config: KioskConfig & { dataDir: string },
  configFile: ConfigFile | null,
  log: Logger,
): Promise<DiagnosticCheck[]> {
  const parts = await openParts(config, log);
  try {
    // Serial and HID scanners connect asynchronously: give them a moment to be found.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return await runDiagnostics({
      ...(configFile ? { config: () => configFile.validate() } : {}),
      dataDir: config.dataDir,
      minFreeDiskMb: config.diagnostics.minFreeDiskMb,
      ...parts.diagnosticParts(),
    });
  } finally {
    await parts.close();
  }
}
