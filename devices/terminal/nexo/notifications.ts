import { createServer, type Server } from 'node:http';
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

/**
 * Where the terminal posts its display and event notifications ("enter PIN", "card removed").
 * The listener only carries bodies to the driver, which checks them with the terminal key: a
 * forged or changed notification is dropped there. It answers "ok" at once so a slow kiosk
 * never holds up the terminal.
 */
export async function listenForNotifications(options: {
  readonly host: string;
  readonly port: number;
  readonly onMessage: (body: string) => void;
  readonly log: Logger;
}): Promise<NotificationListener> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://${options.host}:${port}/notifications`, close: () => closeNow(server) };
}
