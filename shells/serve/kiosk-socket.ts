import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TokenBucket } from '../../base/token-bucket.js';
import type { KioskEvent } from '../../contract/index.js';
import type { ScreenSettings } from './screen-settings.js';
import { onScreenEvents, receiveCommand, screenSnapshot, type ScreenTargets } from './command-channel.js';

import type { Logger } from '../../base/log.js';

export const KIOSK_SOCKET_PATH = '/kiosk';
// Room for a technician's certificate upload (a PKCS#12 file is a few KB, base64).
const MAX_MESSAGE_BYTES = 64 * 1024;
// A screen sends a command per touch, key or scan: a few a second. A client past these limits
// is not a screen (a script, a stuck loop) and is disconnected; the screen reconnects by itself.
export const SOCKET_LIMITS = {
  /** Commands at once, then commandsPerSecond on average. */
  commandBurst: 100,
  commandsPerSecond: 20,
  /** Events queued for a client that does not read them (its TCP window full). */
  maxUnreadBytes: 1024 * 1024,
} as const;

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

  // Cut off at once (terminate, not a close handshake a non-reading client would never answer):
  // what it sent and what waits for it are dropped with the socket.
  const cutOff = (ws: WebSocket, reason: string): void => {
    log.warn({ reason }, 'kiosk socket client disconnected');
    ws.terminate();
  };
  const send = (ws: WebSocket, event: KioskEvent): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(event));
    if (ws.bufferedAmount > SOCKET_LIMITS.maxUnreadBytes) cutOff(ws, 'it does not read what it is sent');
  };
  const unsubscribe = onScreenEvents(screen, (event) => {
    for (const ws of wss.clients) send(ws, event);
  });

  wss.on('connection', (ws: WebSocket) => {
    const commands = new TokenBucket(SOCKET_LIMITS.commandBurst, SOCKET_LIMITS.commandsPerSecond);
    send(ws, { type: 'core.ready', version: options.version, settings: options.settings });
    for (const event of screenSnapshot(screen)) send(ws, event);
    ws.on('message', (data, isBinary) => {
      // Frames already received in the same read arrive after a cut-off: they are ignored.
      if (ws.readyState !== ws.OPEN) return;
      if (!commands.take()) return cutOff(ws, 'too many commands');
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
