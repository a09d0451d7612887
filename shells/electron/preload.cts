/**
 * The renderer's only way to the core: `window.kiosk`, two functions. Runs sandboxed, so it
 * can require nothing but Electron and must stay CommonJS; the channel names are repeated from
 * ipc-bridge.ts for that reason (a unit test checks they match). The core validates every
 * command with the contract; this file passes data only, never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const COMMAND_CHANNEL = 'kiosk:command';
const EVENT_CHANNEL = 'kiosk:event';

contextBridge.exposeInMainWorld('kiosk', {
  send(command: unknown): void {
    ipcRenderer.send(COMMAND_CHANNEL, command);
  },
  onEvent(listener: (event: unknown) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
});
