import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { startBrowserMode, type BrowserMode } from '../../shells/browser/browser-mode.js';
import { screenSettings } from '../../shells/serve/screen-settings.js';
import { parseConfig } from '../../config/config.js';
import type { Logger } from '../../base/log.js';
import { tempDir } from './fixtures.js';

/**
 * The demo kiosk in browser mode with no screen files, for tests that speak to its command
 * WebSocket directly (who may connect, what a bad frame does). Its own data folder, removed at stop.
 */
export interface SocketKiosk {
  readonly kiosk: Kiosk;
  readonly browserMode: BrowserMode;
  /** The socket's address with the given launch token. */
  socketUrl(token: string): string;
  stop(): Promise<void>;
}

export async function startSocketKiosk(log: Logger, version: string): Promise<SocketKiosk> {
  const dir = tempDir();
  const config = parseConfig({ terminal: { simulatorStepMs: 20 } });
  const kiosk = await bootKiosk({ ...config, dataDir: dir.path }, { packaged: false, log });
  const browserMode = await startBrowserMode(kiosk, {
    rendererDir: dir.path,
    port: 0,
    version,
    settings: screenSettings(config),
    log,
  });
  return {
    kiosk,
    browserMode,
    socketUrl: (token) => `${browserMode.origin.replace('http', 'ws')}/kiosk?token=${token}`,
    async stop() {
      await browserMode.close();
      await kiosk.stop();
      dir.remove();
    },
  };
}
