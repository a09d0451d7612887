import type { Kiosk } from '../../app/boot.js';
import { startBrowserModeServer } from './browser-server.js';
import { attachKioskSocket } from '../serve/kiosk-socket.js';
import type { ScreenSettings } from '../serve/screen-settings.js';
import type { Logger } from '../../base/log.js';

export interface BrowserMode {
  /** Open this in a browser: the token travels in the fragment, never to a server log. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

/** The kiosk screen and its command socket on 127.0.0.1, for any browser. */
export async function startBrowserMode(
  kiosk: Kiosk,
  options: {
    readonly rendererDir: string;
    readonly port: number;
    readonly version: string;
    readonly settings: ScreenSettings;
    readonly log: Logger;
    /** The page's token; a fresh one when not given (a restart keeps the open page's). */
    readonly token?: string;
  },
): Promise<BrowserMode> {
  const http = await startBrowserModeServer({ rendererDir: options.rendererDir, port: options.port });
  const socket = attachKioskSocket(http.server, {
    screen: { session: kiosk.session, staff: kiosk.staffConsole },
    version: options.version,
    settings: options.settings,
    log: options.log,
    ...(options.token ? { token: options.token } : {}),
  });
  return {
    url: `${http.url}#token=${socket.token}`,
    origin: http.url.replace(/\/$/u, ''),
    token: socket.token,
    close: async () => {
      await socket.close();
      await http.close();
    },
  };
}
