import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JsonServer {
  readonly url: string;
  close(): Promise<void>;
}

export type JsonHandler = (request: {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}) => Promise<{ status: number; body: unknown }> | { status: number; body: unknown };

/** A small JSON-over-HTTP server on 127.0.0.1 with a free port: the stand-ins' transport. */
export async function startJsonServer(handle: JsonHandler): Promise<JsonServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          const body: unknown = text ? JSON.parse(text) : null;
          const answer = await handle({
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            headers: req.headers,
            body,
          });
          res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
        } catch (error) {
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
