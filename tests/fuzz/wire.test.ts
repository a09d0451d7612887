import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KioskCommand, type KioskEvent } from '../../contract/index.js';
import { FbsClient } from '../../integrations/fbs/client.js';
import { fbsPaymentTarget } from '../../integrations/fbs/payment-target.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { OeirClient } from '../../integrations/oeir/client.js';
import { OeirError } from '../../integrations/oeir/errors.js';
import { OeirLink } from '../../integrations/oeir/link.js';
import { xmlNestsDeeperThan } from '../../integrations/oeir/transport.js';
import { oeirPaymentTarget } from '../../integrations/oeir/payment-target.js';
import { DEFAULT_WSDL, DEMO_MUNICIPALITY_CVR, OeirSandbox } from '../../integrations/oeir/sandbox/server.js';
import { planDeliveries } from '../../core/deliveries.js';
import type { DeliveryResult } from '../../ports/outbox-target.js';
import { closeNow } from '../../base/loopback-server.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { startSocketKiosk, type SocketKiosk } from '../support/socket-kiosk.js';
import { openStores } from '../support/stores.js';
import { fuzzRuns } from './budget.js';

/**
 * Hostile answers over real sockets. A proxy between the kiosk's client and a sandbox passes the
 * sandbox's real answer through one of the mutations below (or replaces it), so the client meets
 * broken, cut, swollen and malicious bodies. Whatever comes back, the outbox target returns a
 * typed outcome, and "delivered" is only ever said when the sandbox's own ledger has the
 * registration: nothing is persisted as delivered that was not.
 */
type Mutation =
  | { kind: 'none' }
  | { kind: 'edit'; edits: [number, number, string][] }
  | { kind: 'truncate'; at: number }
  | { kind: 'garbage'; body: string }
  | { kind: 'huge'; megabytes: number }
  | { kind: 'deep'; depth: number }
  | { kind: 'status'; status: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'none' }),
  fc
    .array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 5 })
    .map((edits) => ({ kind: 'edit' as const, edits })),
  fc.nat().map((at) => ({ kind: 'truncate' as const, at })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ kind: 'garbage' as const, body })),
  fc.integer({ min: 1, max: 4 }).map((megabytes) => ({ kind: 'huge' as const, megabytes })),
  fc.integer({ min: 1_000, max: 100_000 }).map((depth) => ({ kind: 'deep' as const, depth })),
  fc.constantFrom(200, 400, 404, 500, 502).map((status) => ({ kind: 'status' as const, status })),
);

function apply(m: Mutation, body: string, xml: boolean): { status?: number; body: string } {
  switch (m.kind) {
    case 'none':
      return { body };
    case 'edit':
      return {
        body: m.edits.reduce((text, [at, remove, insert]) => {
          const i = at % (text.length + 1);
          return text.slice(0, i) + insert + text.slice(i + remove);
        }, body),
      };
    case 'truncate':
      return { body: body.slice(0, m.at % (body.length + 1)) };
    case 'garbage':
      return { body: m.body };
    case 'huge': {
      const pad = 'x'.repeat(m.megabytes * 1024 * 1024);
      return {
        body: xml ? body.replace('<soap:Body>', `<soap:Body><pad>${pad}</pad>`) : `${body}${' '.repeat(pad.length)}`,
      };
    }
    case 'deep':
      return {
        body: xml
          ? `${'<a>'.repeat(m.depth)}${'</a>'.repeat(m.depth)}`
          : `${'['.repeat(m.depth)}${']'.repeat(m.depth)}`,
      };
    case 'status':
      return { status: m.status, body };
  }
}

/** Malicious XML: external entities, entity expansion, external DTDs, parameter entities. */
const HOSTILE_XML = [
  (body: string) =>
    `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${body.replace(/^<\?xml[^>]*>/u, '')}`,
  (body: string) =>
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]>${body.replace(/^<\?xml[^>]*>/u, '').replace(/IndbetalingIdentifikator>[^<]*</u, 'IndbetalingIdentifikator>&lol9;<')}`,
  (body: string) => `<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">${body.replace(/^<\?xml[^>]*>/u, '')}`,
  (body: string) =>
    `<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>${body.replace(/^<\?xml[^>]*>/u, '')}`,
  (body: string) => body.replace('<soap:Body>', '<soap:Body><!ENTITY x "y">'),
];

/** A proxy that forwards to `upstream` and passes each answer through `next()`'s mutation. */
async function mutatingProxy(
  upstream: string,
  next: () => (body: string) => { status?: number; body: string },
): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(
            ([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k),
          ),
        ) as Record<string, string>;
        const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        });
        const text = await answer.text();
        const mutated = next()(text);
        res.writeHead(mutated.status ?? answer.status, {
          'content-type': answer.headers.get('content-type') ?? 'text/plain',
        });
        res.end(mutated.body);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const { log } = memoryLogger('fatal');
const outcomeKinds = new Set(['delivered', 'transient', 'permanent']);

describe('fuzz: FBS answers over HTTP', () => {
  const fbs = new FbsSandbox();
  let proxy: { origin: string; server: Server };
  let current: (body: string) => { status?: number; body: string } = (body) => ({ body });
  let client: FbsClient;
  const stores = openStores();

  beforeAll(async () => {
    const url = await fbs.start();
    const origin = new URL(url).origin;
    proxy = await mutatingProxy(origin, () => current);
    client = new FbsClient({ baseUrl: `${proxy.origin}/rest`, ...SANDBOX_CLIENT, timeoutMs: 3_000, log });
  });
  afterAll(async () => {
    await closeNow(proxy.server);
    await fbs.close();
    stores.close();
  });

  it('a mutated answer to log-in or payment: a typed outcome; "delivered" only if FBS registered it', async () => {
    const target = fbsPaymentTarget(client);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        fbs.reset();
        const intent = stores.journal.createIntent({
          channel: 'kiosk',
          patronId: '100002',
          lines: [line('5001', 3000, 'fbs'), line('5002', 5550, 'fbs')],
          actor: 'kiosk',
        });
        const [spec] = planDeliveries(intent, 'TX', new Date());
        // Only its registration is fuzzed: the intent itself must not hold the claims for the next case.
        stores.journal.decline(intent.id, 'other', 'fuzz: only the registration is used');
        current = (body) => apply(m, body, false);
        let result: DeliveryResult;
        try {
          result = await target({ idempotencyKey: spec!.idempotencyKey, payload: spec!.payload } as never);
        } finally {
          current = (body) => ({ body });
        }
        expect(outcomeKinds.has(result.kind)).toBe(true);
        if (result.kind === 'delivered') {
          expect(fbs.ledger.map((l) => [l.feeId, l.orderId]).sort()).toEqual([
            ['5001', spec!.idempotencyKey],
            ['5002', spec!.idempotencyKey],
          ]);
        }
        if (m.kind === 'none') expect(result.kind).toBe('delivered');
      }),
      fuzzRuns(60),
    );
  }, 120_000);
});

describe('fuzz: ØiR SOAP answers over HTTP', () => {
  const sandbox = new OeirSandbox({
    tls: null,
    municipalityCvr: DEMO_MUNICIPALITY_CVR,
    claims: { '7002': 1_000_000_000 },
  });
  let proxy: { origin: string; server: Server };
  let current: (body: string) => { status?: number; body: string } = (body) => ({ body });
  let client: OeirClient;
  let link: OeirLink;

  beforeAll(async () => {
    const url = new URL(await sandbox.start());
    proxy = await mutatingProxy(url.origin, () => current);
    client = await OeirClient.create({
      wsdlPath: DEFAULT_WSDL,
      endpoint: `${proxy.origin}${url.pathname}`,
      timeoutMs: 3_000,
      context: { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR },
      log,
    });
    // A breaker that never opens: every case reaches the wire.
    link = new OeirLink(client, { failuresToOpen: 1_000_000, halfOpenAfterMs: 1 }, log);
  });
  afterAll(async () => {
    client.close();
    await closeNow(proxy.server);
    await sandbox.close();
  });

  function debtorPayload(): { idempotencyKey: string; payload: unknown; paymentId: string } {
    const paymentId = randomUUID();
    return {
      paymentId,
      idempotencyKey: `${paymentId}-debtor`,
      payload: {
        route: 'debtor',
        paymentId,
        patronId: '100004',
        amountOre: 125,
        currency: 'DKK',
        paidAt: '2026-11-21T12:00:00.000Z',
        terminalTransactionRef: 'TX-1',
        claims: [{ claimId: 'fee-7002', feeId: '7002', amountOre: 125 }],
      },
    };
  }

  it('a mutated SOAP answer: a typed outcome; "delivered" only if the debtor system registered it', async () => {
    const target = oeirPaymentTarget(link);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const row = debtorPayload();
        current = (body) => apply(m, body, true);
        let result: DeliveryResult;
        try {
          result = await target(row as never);
        } finally {
          current = (body) => ({ body });
        }
        expect(outcomeKinds.has(result.kind)).toBe(true);
        if (result.kind === 'delivered') expect(sandbox.ledger.get(row.paymentId)?.amountOre).toBe(125);
        if (m.kind === 'none') expect(result).toMatchObject({ kind: 'delivered' });
      }),
      fuzzRuns(60),
    );
  }, 120_000);

  /** One ForetagIndbetaling whose answer is replaced by `answer(real answer)`; what it failed with, or null. */
  async function failureWhenAnswered(answer: (body: string) => string): Promise<unknown> {
    current = (body) => ({ body: answer(body) });
    try {
      await client.foretagIndbetaling({
        paymentId: randomUUID(),
        amountOre: 125,
        paidAt: '2026-11-21T12:00:00.000Z',
        terminalTransactionRef: 'TX-1',
        claims: [{ feeId: '7002', amountOre: 125 }],
      });
      return null;
    } catch (error) {
      return error;
    } finally {
      current = (body) => ({ body });
    }
  }

  it('an answer nested 100,000 deep is refused unparsed (the parser would block the core for seconds)', async () => {
    const error = await failureWhenAnswered(() => `${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`);
    expect(error).toBeInstanceOf(OeirError);
    expect(error).toMatchObject({ kind: 'bad-response', message: expect.stringMatching(/nested deeper than 64/) });
    expect(xmlNestsDeeperThan(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`, 64)).toBe(false);
    expect(xmlNestsDeeperThan('<a><b/><c>x</c><?pi?><!-- c --></a>'.repeat(1000), 2)).toBe(false);
  });

  it('XXE, billion laughs, external and parameter DTDs: refused as bad-response before parsing', async () => {
    for (const [i, hostile] of HOSTILE_XML.entries()) {
      const error = await failureWhenAnswered(hostile);
      expect(error, `hostile answer ${i}`).toBeInstanceOf(OeirError);
      expect((error as OeirError).kind, `hostile answer ${i}`).toBe('bad-response');
    }
  });
});

describe('fuzz: commands over the browser-mode WebSocket', () => {
  let running: SocketKiosk;
  let kiosk: SocketKiosk['kiosk'];

  beforeAll(async () => {
    running = await startSocketKiosk(log, 'fuzz');
    kiosk = running.kiosk;
  });
  afterAll(async () => {
    await running.stop();
  });

  function open(): Promise<{ ws: WebSocket; events: KioskEvent[]; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(running.socketUrl(running.browserMode.token), { origin: running.browserMode.origin });
      const events: KioskEvent[] = [];
      const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
      ws.on('message', (data) => events.push(JSON.parse(data.toString()) as KioskEvent));
      ws.on('open', () => resolve({ ws, events, closed }));
      ws.on('error', reject);
    });
  }

  const invalidFrame = fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({
          type: fc.constantFrom('session.identify', 'checkout.pay', 'staff.request', 'staff.login'),
          x: fc.anything(),
        })
        .map((v) => JSON.stringify(v)),
    )
    .filter((text) => {
      try {
        return !KioskCommand.safeParse(JSON.parse(text)).success;
      } catch {
        return true;
      }
    });

  it('every invalid frame is answered "rejected" and changes nothing; a valid command still works after', async () => {
    const { ws } = await open();
    try {
      await fc.assert(
        // A connection per run: a screen may send SOCKET_LIMITS.commandBurst commands at once,
        // and the runs together send more than that (kiosk-socket.test.ts tests the limit).
        fc.asyncProperty(fc.array(invalidFrame, { minLength: 1, maxLength: 20 }), async (frames) => {
          const run = await open();
          try {
            for (const frame of frames) run.ws.send(frame);
            const deadline = Date.now() + 5_000;
            const rejected = () => run.events.filter((e) => e.type === 'command.rejected').length;
            while (rejected() < frames.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
            expect(rejected()).toBe(frames.length);
            expect(kiosk.session.current().view).toEqual({ screen: 'attract' });
          } finally {
            run.ws.close();
          }
        }),
        fuzzRuns(40),
      );
      expect(kiosk.core.journal.listByState(['created', 'authorizing', 'approved', 'declined', 'settled'])).toEqual([]);
      ws.send(JSON.stringify({ type: 'scanner.wedge', code: '1000000002' }));
      const deadline = Date.now() + 5_000;
      while (kiosk.session.current().view.screen !== 'pin' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(kiosk.session.current().view.screen).toBe('pin');
      await kiosk.session.command({ type: 'session.reset' });
    } finally {
      ws.close();
    }
  });

  it('a frame over the size cap closes that connection (1009); the next connection works', async () => {
    const { ws, closed } = await open();
    ws.send('x'.repeat(65 * 1024));
    expect(await closed).toBe(1009);
    const again = await open();
    again.ws.send(JSON.stringify({ type: 'checkout.pay' }));
    const deadline = Date.now() + 5_000;
    while (!again.events.some((e) => e.type === 'command.rejected') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(again.events.some((e) => e.type === 'command.rejected')).toBe(true);
    again.ws.close();
  });
});
