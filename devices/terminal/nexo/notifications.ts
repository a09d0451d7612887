import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { closeNow } from '../../../base/loopback-server.js';
import type { Logger } from '../../../base/log.js';
import { messageOf } from '../../../base/errors.js';

const MAX_BODY_BYTES = 256 * 1024;

export interface NotificationListener {
  /** The address to configure on the terminal as its event/display notification URL. */
  readonly url: string;
  close(): Promise<void>;
}

export interface NotificationListenerOptions {
  readonly host: string;
  readonly port: number;
  /**
   * HTTPS with this certificate and key (PEM). Adyen's live terminals post notifications only
   * over HTTPS (TLS 1.2 or later, on port 443, 8443 or 8843); plain HTTP is for its test
   * environment (Adyen, "Display notifications": docs.adyen.com/point-of-sale/design-your-integration/notifications/display-notifications).
   */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  /** The user name and password configured for the terminal's notification URL (HTTP Basic). */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly onMessage: (body: string) => void;
  readonly log: Logger;
}

/**
 * Where the terminal posts its display and event notifications ("enter PIN", "card removed").
 * The listener only carries bodies to the driver, which checks them with the terminal key: a
 * forged or changed notification is dropped there. It answers "ok" at once so a slow kiosk
 * never holds up the terminal. With credentials, a post without them is refused (401).
 */
export async function listenForNotifications(options: NotificationListenerOptions): Promise<NotificationListener> {
  const expected = options.basicAuth ? digest(basicHeader(options.basicAuth)) : null;
  const handler: RequestListener = (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (expected && !timingSafeEqual(digest(authorization(req)), expected)) {
      options.log.warn({ from: req.socket.remoteAddress }, 'terminal notification refused: wrong or no credentials');
      res.writeHead(401, { 'www-authenticate': 'Basic realm="terminal notifications"' }).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      try {
        options.onMessage(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        options.log.error({ error: messageOf(error) }, 'terminal notification handler failed');
      }
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.certPem, key: options.tls.keyPem, minVersion: 'TLSv1.2' }, handler)
    : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  return { url: `${scheme}://${options.host}:${port}/notifications`, close: () => closeNow(server) };
}

export function basicHeader(credentials: { readonly username: string; readonly password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function authorization(req: IncomingMessage): string {
  return req.headers.authorization ?? '';
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
