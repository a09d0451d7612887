import { notConfiguredTerminal } from '../devices/terminal/terminal.js';
import { FbsClient } from '../integrations/fbs/client.js';
import { checkClaimsFresh } from '../integrations/fbs/freshness.js';
import { FBS_PAYMENT_TARGET, fbsPaymentTarget } from '../integrations/fbs/payment-target.js';
import { FbsSandbox } from '../integrations/fbs/sandbox/server.js';
import type { KioskConfig } from './config.js';
import { Core, type StartupReport } from './core.js';
import { createLogger, type Logger } from './log.js';

export interface Kiosk {
  readonly core: Core;
  readonly fbs: FbsClient;
  readonly report: StartupReport;
  /** Sandboxes started for demo mode, so a technician can find them. */
  readonly sandboxes: { readonly fbs: FbsSandbox | null };
  stop(): Promise<void>;
}

/**
 * Composition of the whole kiosk, shared by the Electron shell and browser mode: integrations
 * (or, in demo mode without addresses, their sandboxes), then the core with their outbox targets.
 */
export async function bootKiosk(
  config: KioskConfig & { dataDir: string },
  options: { packaged: boolean; log?: Logger },
): Promise<Kiosk> {
  const log = options.log ?? createLogger({ level: config.log.level });

  let fbsSandbox: FbsSandbox | null = null;
  let fbsAccess = config.fbs;
  if (config.mode === 'demo' && !config.fbs.baseUrl) {
    fbsSandbox = new FbsSandbox();
    const baseUrl = await fbsSandbox.start();
    fbsAccess = { ...config.fbs, baseUrl, ...fbsSandbox.client };
    log.info({ fbs: baseUrl }, 'demo mode: FBS sandbox started');
  }
  const fbs = new FbsClient({ ...fbsAccess, log: log.child({ integration: 'fbs' }) });

  const core = new Core({
    config,
    terminal: notConfiguredTerminal,
    targets: { [FBS_PAYMENT_TARGET]: fbsPaymentTarget(fbs) },
    verifyClaims: (patronId, lines) =>
      checkClaimsFresh(
        fbs,
        patronId,
        lines.map((l) => ({ id: l.claimId, feeId: l.feeId, amountOre: l.amountOre, route: l.route })),
      ),
    packaged: options.packaged,
    log,
  });
  const report = core.start();

  return {
    core,
    fbs,
    report,
    sandboxes: { fbs: fbsSandbox },
    async stop() {
      await core.stop();
      await fbs.close();
      await fbsSandbox?.close();
    },
  };
}
