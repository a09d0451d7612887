import { randomBytes } from 'node:crypto';
import type { Kiosk } from '../../app/boot.js';
import type { Logger } from '../../base/log.js';
import type { ScreenSettings } from '../serve/screen-settings.js';
import { startBrowserMode, type BrowserMode } from './browser-mode.js';

/** What a (re)start makes: the kiosk's core and what its screen is told of the configuration. */
export interface Booted {
  readonly kiosk: Kiosk;
  readonly settings: ScreenSettings;
}

export interface RestartableBrowserMode {
  readonly url: string;
  readonly origin: string;
  /** The kiosk running now (a new one after each restart). */
  current(): Kiosk;
  /** Called after each restart with the new kiosk. */
  onRestarted(listener: (kiosk: Kiosk) => void): void;
  close(): Promise<void>;
}

/**
 * Browser mode that a technician can restart from the screen: the core is stopped (the journal
 * closed, the outbox drained of its in-flight call) and booted again from the saved
 * configuration, on the same port with the same page token, so the open page reconnects by
 * itself. A restart that cannot boot (a configuration made invalid by hand meanwhile) is
 * reported through `onBootFailure`; the shell decides what then.
 */
export async function startRestartableBrowserMode(
  boot: () => Promise<Booted>,
  options: {
    readonly rendererDir: string;
    readonly port: number;
    readonly version: string;
    readonly log: Logger;
    readonly onBootFailure: (error: unknown) => void;
  },
): Promise<RestartableBrowserMode> {
  const token = randomBytes(24).toString('base64url');
  let booted = await boot();
  const serve = (port: number): Promise<BrowserMode> =>
    startBrowserMode(booted.kiosk, { ...options, port, token, settings: booted.settings });
  let server = await serve(options.port);
  const port = Number(new URL(server.origin).port);
  const listeners: ((kiosk: Kiosk) => void)[] = [];
  let closed = false;

  const restart = async (): Promise<void> => {
    options.log.info('restarting the kiosk');
    await server.close();
    await booted.kiosk.stop();
    if (closed) return;
    try {
      booted = await boot();
    } catch (error) {
      options.onBootFailure(error);
      return;
    }
    server = await serve(port);
    watch();
    for (const listener of listeners) listener(booted.kiosk);
  };
  const watch = (): void => {
    booted.kiosk.staffConsole.onRestart(() => void restart());
  };
  watch();

  return {
    url: `${server.origin}/#token=${token}`,
    origin: server.origin,
    current: () => booted.kiosk,
    onRestarted: (listener) => listeners.push(listener),
    close: async () => {
      closed = true;
      await server.close();
      await booted.kiosk.stop();
    },
  };
}
