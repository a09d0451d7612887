import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../base/log.js';
import { messageOf } from '../base/errors.js';

/** One readiness finding: a part that must work for the kiosk to take a card payment now. */
export interface ReadinessCheck {
  readonly part: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface OpsServerOptions {
  /** `address:port` (config `ops.listen`); port 0 picks a free one (tests). */
  readonly listen: string;
  readonly bearerToken: string;
  readonly registry: Registry;
  /** Cheap, local checks (no call to FBS or ØiR): the terminal, the journal, the disk. */
  readonly readiness: () => readonly ReadinessCheck[];
  readonly log: Logger;
}

export interface OpsServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The operations listener: `/metrics` for Prometheus, `/ready` (can the kiosk take a card payment
 * now, with its findings) for load balancers and uptime checks, `/health` (the process answers).
 * Its own server on its own address — never the browser-mode server that serves the screen —
 * and every request but `/health` must carry the configured bearer token.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const match = /^(.*):(\d{1,5})$/u.exec(options.listen);
  if (!match) throw new Error(`ops.listen must be address:port, not ${options.listen}`);
  const host = match[1]!.replace(/^\[(.*)\]$/u, '$1');
  const expected = createHash('sha256').update(`Bearer ${options.bearerToken}`).digest();
  const authorised = (req: IncomingMessage): boolean =>
    // Compared as hashes: equal length, constant time, whatever was sent.
    timingSafeEqual(
      createHash('sha256')
        .update(req.headers.authorization ?? '')
        .digest(),
      expected,
    );

  const server: Server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    if (path === '/health') return json(res, 200, { status: 'alive' });
    if (path !== '/metrics' && path !== '/ready') return void res.writeHead(404).end();
    if (!authorised(req))
      return void res
        .writeHead(401, { 'www-authenticate': 'Bearer realm="kiosk operations"', 'content-type': 'text/plain' })
        .end('a bearer token is required\n');
    try {
      if (path === '/ready') {
        const checks = options.readiness();
        const ready = checks.every((c) => c.ok);
        return json(res, ready ? 200 : 503, { ready, checks });
      }
      const text = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(text);
    } catch (error) {
      options.log.error({ err: messageOf(error), path }, 'operations listener');
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(match[2]), host, () => resolve());
  });
  server.keepAliveTimeout = 10_000;
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  options.log.info({ url }, 'operations listener (metrics, health) started');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
