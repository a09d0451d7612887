import { KioskEvent, type KioskCommand } from '../../contract/index.js';

/**
 * How the screen talks to the core. In Electron the preload script gives `window.kiosk` (IPC);
 * in browser mode a WebSocket to the page's own origin, with the launch token from the URL
 * fragment. Both carry the same contract; the core validates everything it receives, and the
 * renderer validates what it is sent.
 */
export interface KioskBridge {
  send(command: KioskCommand): void;
  onEvent(listener: (event: KioskEvent) => void): () => void;
  onConnection(listener: (connected: boolean) => void): () => void;
}

declare global {
  interface Window {
    kiosk?: {
      send(command: KioskCommand): void;
      onEvent(listener: (event: unknown) => void): () => void;
    };
  }
}

export function connectToCore(): KioskBridge {
  if (window.kiosk) return electronBridge(window.kiosk);
  return socketBridge();
}

function electronBridge(kiosk: NonNullable<Window['kiosk']>): KioskBridge {
  return {
    send: (command) => kiosk.send(command),
    onEvent: (listener) =>
      kiosk.onEvent((raw) => {
        const event = KioskEvent.safeParse(raw);
        if (event.success) listener(event.data);
      }),
    onConnection: (listener) => {
      listener(true);
      return () => undefined;
    },
  };
}

function socketBridge(): KioskBridge {
  // Read the token once and take it out of the address bar.
  const token =
    new URLSearchParams(window.location.hash.slice(1)).get('token') ?? sessionStorage.getItem('kiosk-token');
  if (token) sessionStorage.setItem('kiosk-token', token);
  if (window.location.hash) history.replaceState(null, '', window.location.pathname);

  const eventListeners = new Set<(event: KioskEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let socket: WebSocket | null = null;
  let retryMs = 250;

  const open = (): void => {
    const url = `ws://${window.location.host}/kiosk?token=${encodeURIComponent(token ?? '')}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      for (const listener of connectionListeners) listener(true);
    };
    ws.onmessage = (message) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(message.data));
      } catch {
        return;
      }
      const event = KioskEvent.safeParse(raw);
      if (!event.success) return;
      for (const listener of eventListeners) listener(event.data);
    };
    ws.onclose = () => {
      for (const listener of connectionListeners) listener(false);
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5_000);
    };
  };
  open();

  return {
    send: (command) => {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(command));
    },
    onEvent: (listener) => {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection: (listener) => {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
