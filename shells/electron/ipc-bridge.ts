import { ipcMain, type BrowserWindow, type IpcMainEvent } from 'electron';
import type { KioskEvent } from '../../contract/index.js';
import { onScreenEvents, receiveCommand, screenSnapshot, type ScreenTargets } from '../serve/command-channel.js';
import type { ScreenSettings } from '../serve/screen-settings.js';
import type { Logger } from '../../base/log.js';

/** Repeated in preload.cts, which cannot import (a unit test keeps the two equal). */
export const COMMAND_CHANNEL = 'kiosk:command';
export const EVENT_CHANNEL = 'kiosk:event';

/**
 * Electron's version of the kiosk socket: commands from the kiosk window's own page go to the
 * core through the same `receiveCommand` door; every session change goes back as an event.
 * A message from any other web contents or frame (there should be none) is dropped and logged.
 */
export function bridgeWindowToCore(
  window: BrowserWindow,
  options: {
    readonly screen: ScreenTargets;
    readonly version: string;
    readonly settings: ScreenSettings;
    readonly origin: string;
    readonly log: Logger;
  },
): () => void {
  const { screen, log } = options;
  const contents = window.webContents;
  const send = (event: KioskEvent): void => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, event);
  };

  const onCommand = (event: IpcMainEvent, raw: unknown): void => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (event.sender !== contents || !frameUrl.startsWith(`${options.origin}/`)) {
      log.warn({ frame: frameUrl.slice(0, 200) }, 'command from a foreign frame dropped');
      return;
    }
    receiveCommand(screen, raw, send, log);
  };
  ipcMain.on(COMMAND_CHANNEL, onCommand);

  // The page (re)loaded, after start or a crash: tell it everything it needs.
  const onLoaded = (): void => {
    send({ type: 'core.ready', version: options.version, settings: options.settings });
    for (const event of screenSnapshot(screen)) send(event);
  };
  contents.on('did-finish-load', onLoaded);
  const unsubscribe = onScreenEvents(screen, send);

  return () => {
    unsubscribe();
    ipcMain.removeListener(COMMAND_CHANNEL, onCommand);
    if (!contents.isDestroyed()) contents.removeListener('did-finish-load', onLoaded);
  };
}
