import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KioskEvent } from '../../contract/index.js';
import type { ScreenSettings } from './screen-settings.js';
import { onScreenEvents, receiveCommand, screenSnapshot, type ScreenTargets } from './command-channel.js';

import type { Logger } from '../../base/log.js';

export const KIOSK_SOCKET_PATH = '/kiosk';
// Room for a technician's certificate upload (a PKCS#12 file is a few KB, base64).
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Browser mode's version of the Electron IPC bridge: the same contract over a WebSocket on
 * loopback. A connection must carry this launch's token (given to the page in the URL
 * fragment, which browsers never send to servers or put in Referer) and come from the kiosk's
 * own origin, so another page in the same browser, or another local process, cannot drive the
 * kiosk. Every message is parsed with KioskCommand; a bad one is answered with
 * `command.rejected` and changes nothing.
 */
export function attachKioskSocket(
  server: Server,
  options: {
    readonly screen: ScreenTargets;
    readonly version: string;
    readonly settings: ScreenSettings;
    readonly log: Logger;
    readonly token?: string;
  },
): { readonly token: string; close(): Promise<void> } {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const { screen, log } = options;

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = refuse(request, token, server);
    if (refusal) {
      log.warn({ reason: refusal.reason, origin: request.headers.origin ?? null }, 'kiosk socket refused');
      socket.end(`HTTP/1.1 ${refusal.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const send = (ws: WebSocket, event: KioskEvent): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
  };
  const unsubscribe = onScreenEvents(screen, (event) => {
    for (const ws of wss.clients) send(ws, event);
  });

  wss.on('connection', (ws: WebSocket) => {
    send(ws, { type: 'core.ready', version: options.version, settings: options.settings });
    for (const event of screenSnapshot(screen)) send(ws, event);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return send(ws, { type: 'command.rejected', reason: 'text messages only' });
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        return send(ws, { type: 'command.rejected', reason: 'not JSON' });
      }
      receiveCommand(screen, parsed, (event) => send(ws, event), log);
    });
    ws.on('error', (error) => log.warn({ err: error }, 'kiosk socket error'));
  });

  return {
    token,
    close: async () => {
      unsubscribe();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function refuse(request: IncomingMessage, token: string, server: Server): { status: string; reason: string } | null {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== KIOSK_SOCKET_PATH) return { status: '404 Not Found', reason: 'path' };
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  if (request.headers.origin !== `http://127.0.0.1:${port}`) return { status: '403 Forbidden', reason: 'origin' };
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { status: '401 Unauthorized', reason: 'token' };
  return null;
}
