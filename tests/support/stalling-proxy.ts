import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { adyenTerminalName, checkAdyenTerminalIdentity } from '../../devices/terminal/nexo/terminal-identity.js';
import { Agent, request } from 'undici';
import { closeNow, readRequestBody } from '../../base/loopback-server.js';
import { createCertificateAuthority } from '../../base/sandbox-pki.js';

/**
 * A stalled link between the kiosk and the card terminal, for tests: an HTTPS proxy in front of
 * the terminal simulator that can hold the next request of a nexo message category (read from
 * the clear MessageHeader, as a network sees it; the NexoBlob stays sealed) for a while before
 * it passes it on. A held request is delivered even if the kiosk that sent it has died meanwhile
 * (its bytes are already on the wire), and the terminal acts on it: exactly how a request
 * "arrives after the restart". The kiosk trusts the proxy's own CA (`caPem`).
 */
export interface StallingProxy {
  /** The address to give the kiosk instead of the terminal's. */
  readonly url: string;
  readonly caPem: string;
  /**
   * Hold the next request of this category: for `ms`, or (`afterNext`) until a request of that
   * other category has passed and then `ms` more — e.g. until the restarted kiosk has asked the
   * terminal about it (TransactionStatus) and been told "not found".
   */
  stallNext(category: string, ms: number, options?: { afterNext?: string }): void;
  /** How long the last held request was held, once it was passed on (ms), else null. */
  lastStallMs(): number | null;
  /** Resolves when a request is being held (the test kills the kiosk then). */
  held(): Promise<{ category: string; serviceId: string }>;
  /** Resolves when every held request has been passed on and answered. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startStallingProxy(
  upstreamUrl: string,
  upstreamCaPem: string,
  poiId = 'SIM400-000000001',
): Promise<StallingProxy> {
  const ca = createCertificateAuthority('Stalling proxy CA');
  // It stands in for the terminal, so it is named as one (the kiosk checks Adyen's name).
  const name = adyenTerminalName(poiId, 'test');
  const leaf = ca.issue({ commonName: name, serverNames: [name] });
  const upstream = new Agent({
    connect: { ca: upstreamCaPem, checkServerIdentity: checkAdyenTerminalIdentity(poiId) },
  });
  let armed: { category: string; ms: number; afterNext: string | null } | null = null;
  let waitingFor: { category: string; release: () => void } | null = null;
  let lastStall: number | null = null;
  let heldWaiters: ((held: { category: string; serviceId: string }) => void)[] = [];
  const inFlight = new Set<Promise<void>>();

  const server: Server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    const work = (async () => {
      const body = await readRequestBody(req, 1024 * 1024).catch(() => null);
      if (body === null) return;
      const header = messageHeader(body);
      if (waitingFor && header?.MessageCategory === waitingFor.category) {
        // The request the held one waits for goes first; the held one follows after its delay.
        const { release } = waitingFor;
        waitingFor = null;
        void forward(body, req.method, req.url, req.headers['content-type']).then(
          (answer) => reply(res, answer),
          () => res.destroy(),
        );
        release();
        return;
      }
      if (armed && header?.MessageCategory === armed.category) {
        const { ms, afterNext } = armed;
        armed = null;
        const heldAt = Date.now();
        lastStall = null;
        const held = { category: header.MessageCategory, serviceId: header.ServiceID ?? '' };
        for (const waiter of heldWaiters) waiter(held);
        heldWaiters = [];
        if (afterNext) await new Promise<void>((release) => (waitingFor = { category: afterNext, release }));
        await new Promise((r) => setTimeout(r, ms));
        lastStall = Date.now() - heldAt;
      }
      try {
        reply(res, await forward(body, req.method, req.url, req.headers['content-type']));
      } catch {
        if (!res.destroyed) res.destroy();
      }
    })();
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  async function forward(
    body: string,
    method: string | undefined,
    url: string | undefined,
    contentType: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const answer = await request(`${upstreamUrl.replace(/\/nexo$/u, '')}${url ?? '/nexo'}`, {
      method: (method ?? 'POST') as 'POST',
      body,
      headers: { 'content-type': contentType ?? 'application/json' },
      dispatcher: upstream,
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    return { status: answer.statusCode, text: await answer.body.text() };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/nexo`,
    caPem: ca.certPem,
    stallNext(category, ms, options = {}) {
      armed = { category, ms, afterNext: options.afterNext ?? null };
    },
    lastStallMs: () => lastStall,
    held: () => new Promise((resolve) => heldWaiters.push(resolve)),
    async drained() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      await closeNow(server as never);
      await upstream.close();
    },
  };
}

/** The sender may be gone (killed while its request was held): then the answer goes nowhere. */
function reply(res: import('node:http').ServerResponse, answer: { status: number; text: string }): void {
  if (!res.destroyed) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text);
}

function messageHeader(body: string): { MessageCategory?: string; ServiceID?: string } | null {
  try {
    const parsed = JSON.parse(body) as { SaleToPOIRequest?: { MessageHeader?: Record<string, string> } };
    return parsed.SaleToPOIRequest?.MessageHeader ?? null;
  } catch {
    return null;
  }
}
