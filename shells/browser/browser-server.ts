import { closeNow } from '../../base/loopback-server.js';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contentType, rendererFile, securityHeaders } from '../serve/renderer-files.js';

const SECURITY_HEADERS = securityHeaders('browser');

export interface BrowserModeServer {
  readonly url: string;
  /** The HTTP server, for the kiosk socket to attach to. */
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Browser mode: serves the built renderer on loopback so it runs in a plain browser (tests in
 * Debian's Chromium, or a machine without the Electron binary). Only 127.0.0.1, only GET.
 */
export async function startBrowserModeServer(options: {
  rendererDir: string;
  port: number;
}): Promise<BrowserModeServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, SECURITY_HEADERS).end();
      return;
    }
    let file: string | null;
    try {
      file = rendererFile(options.rendererDir, new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    if (!file) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': contentType(file) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    // Shutting down never waits for the browser: its keep-alive or half-open connections are cut.
    close: () => closeNow(server),
  };
}
