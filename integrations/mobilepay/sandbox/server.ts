import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { closeNow, readRequestBody } from '../../../base/loopback-server.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../../base/sandbox-pki.js';
import { QR_LIFETIME_MS, REFERENCE, type PaymentState } from '../wire.js';

/**
 * A sandbox of Vipps MobilePay's ePayment API (integrations/mobilepay/wire.ts) over HTTPS, for the
 * demo and the tests: access tokens, create, get, events, capture, cancel, refund — with the
 * rules the real API enforces that the kiosk's guarantees rest on: idempotency on every key (the
 * same key and body give the same answer; another body under a used key is a conflict), one
 * payment per reference, the amounts a capture, cancel or refund may take, rate limits per
 * reference, and the QR's expiry on the sandbox's own clock. The control endpoints play the
 * borrower's phone (approve, reject) and switch faults on. Its ledger is what the fault matrix
 * checks the kiosk against: money captured, and for which reference.
 */

export interface SandboxPayment {
  readonly reference: string;
  readonly pspReference: string;
  readonly amountOre: number;
  state: PaymentState;
  readonly createdAt: number;
  authorizedOre: number;
  capturedOre: number;
  cancelledOre: number;
  refundedOre: number;
  readonly events: { name: string; amountOre: number; at: string; idempotencyKey: string | null }[];
}

export interface MobilePayFaults {
  /** Answer this status (with a problem body) to the next `times` calls whose path contains `pathIncludes`. */
  readonly status?: { readonly code: number; readonly times: number };
  readonly pathIncludes?: string;
  /** Hold every matching call this long before answering. */
  readonly slowMs?: number;
  /** Never answer matching calls (the socket stays open until the client gives up). */
  readonly hang?: boolean;
  /** Answer matching calls with text that is not JSON. */
  readonly malformed?: boolean;
  /** Do the work, then drop the connection before answering (the answer lost on the way back). */
  readonly dropAnswer?: boolean;
}

export interface MobilePaySandboxOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly subscriptionKey?: string;
  readonly merchantSerialNumber?: string;
  /** Access tokens live this long (the real API: 1 h in test, 24 h in production). */
  readonly tokenLifetimeMs?: number;
  /** The sandbox's clock (tests move it to expire QR codes). */
  readonly now?: () => number;
  /** Keep every API exchange in `exchanges` (the contract test validates them against the spec). */
  readonly record?: boolean;
  /** The borrower's phone in unattended runs (the fault matrix): approves this long after each create. */
  readonly approveAfterMs?: number;
}

export interface RecordedExchange {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly status: number;
  readonly answer: unknown;
}

const RATE_WINDOW_MS = 60_000;
const RATE_LIMITS = { create: 5, capture: 5, cancel: 5, refund: 5, get: 120 } as const;
type Operation = keyof typeof RATE_LIMITS;

const AmountBody = z
  .object({ currency: z.literal('DKK'), value: z.number().int().positive().max(65_000_000) })
  .strict();
const CreateBody = z
  .object({
    amount: AmountBody,
    paymentMethod: z.object({ type: z.literal('WALLET') }).strict(),
    reference: z.string().regex(REFERENCE),
    userFlow: z.literal('QR'),
    qrFormat: z.object({ format: z.enum(['TEXT/TARGETURL', 'IMAGE/SVG+XML']) }).strict(),
    customerInteraction: z.enum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT']),
    paymentDescription: z.string().min(3).max(100),
  })
  .strict();
const ModificationBody = z.object({ modificationAmount: AmountBody }).strict();

class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

export class MobilePaySandbox {
  readonly payments = new Map<string, SandboxPayment>();
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subscriptionKey: string;
  readonly merchantSerialNumber: string;
  /** Calls refused for a missing or expired token. */
  unauthorized = 0;
  /** With `record`: every API exchange, oldest first. */
  readonly exchanges: RecordedExchange[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly idempotency = new Map<string, { bodyHash: string; status: number; body: unknown }>();
  private readonly calls = new Map<string, number[]>();
  private faults: MobilePayFaults = {};
  private dropNextCreate = false;
  private offsetMs = 0;
  private server: Server | null = null;
  private ca: CertificateAuthority | null = null;
  private leaf: { keyPem: string; certPem: string } | null = null;

  constructor(private readonly options: MobilePaySandboxOptions = {}) {
    this.clientId = options.clientId ?? 'kiosk-demo';
    this.clientSecret = options.clientSecret ?? randomBytes(16).toString('base64url');
    this.subscriptionKey = options.subscriptionKey ?? randomBytes(16).toString('hex');
    this.merchantSerialNumber = options.merchantSerialNumber ?? '123456';
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the MobilePay sandbox has not started');
    return `https://127.0.0.1:${address.port}`;
  }

  get caPem(): string {
    if (!this.ca) throw new Error('the MobilePay sandbox has not started');
    return this.ca.certPem;
  }

  /** Starts it (again: the same certificate and payments, so a restarted API is the same API). */
  async start(port = 0): Promise<string> {
    this.ca ??= createCertificateAuthority('MobilePay sandbox CA');
    this.leaf ??= this.ca.issue({ commonName: '127.0.0.1', serverNames: ['127.0.0.1'] });
    const server = createServer({ key: this.leaf.keyPem, cert: this.leaf.certPem }, (req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.server?.listening) await closeNow(this.server);
  }

  now(): number {
    return (this.options.now ?? Date.now)() + this.offsetMs;
  }

  /** Moves the sandbox's clock (to expire QR codes and tokens without waiting). */
  advanceClock(ms: number): void {
    this.offsetMs += ms;
  }

  setFaults(faults: MobilePayFaults): void {
    this.faults = { ...faults };
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  /** The borrower approves in the app: the amount is reserved (AUTHORIZED). */
  approve(reference: string): SandboxPayment {
    const payment = this.payment(reference);
    if (payment.state !== 'CREATED') throw new ProblemError(409, 'Conflict', `payment is ${payment.state}`);
    payment.state = 'AUTHORIZED';
    payment.authorizedOre = payment.amountOre;
    this.event(payment, 'AUTHORIZED', payment.amountOre, null);
    return payment;
  }

  /** The borrower says no in the app. */
  reject(reference: string): SandboxPayment {
    const payment = this.payment(reference);
    if (payment.state !== 'CREATED') throw new ProblemError(409, 'Conflict', `payment is ${payment.state}`);
    payment.state = 'ABORTED';
    this.event(payment, 'ABORTED', payment.amountOre, null);
    return payment;
  }

  /** Back to no payments and no faults (tokens kept), between runs. */
  reset(): void {
    this.payments.clear();
    this.idempotency.clear();
    this.calls.clear();
    this.faults = {};
    this.dropNextCreate = false;
    this.exchanges.length = 0;
  }

  /** The next create is done, and its answer lost on the way back (once). */
  loseNextCreateAnswer(): void {
    this.dropNextCreate = true;
  }

  /** The demo's phone: answers the newest payment still waiting for the borrower. */
  answerLatest(answer: 'approve' | 'reject'): SandboxPayment | null {
    const waiting = [...this.payments.values()].filter((p) => this.payment(p.reference).state === 'CREATED').at(-1);
    if (!waiting) return null;
    return answer === 'approve' ? this.approve(waiting.reference) : this.reject(waiting.reference);
  }

  /** Money taken: captured and not refunded, per reference (what the fault matrix checks). */
  capturedByReference(): Map<string, number> {
    return new Map([...this.payments.values()].map((p) => [p.reference, p.capturedOre - p.refundedOre]));
  }

  private payment(reference: string): SandboxPayment {
    const payment = this.payments.get(reference);
    if (!payment) throw new ProblemError(404, 'Not Found', `no payment ${reference}`);
    // The QR's lifetime, on the sandbox's clock: an unanswered payment expires when it is next seen.
    if (payment.state === 'CREATED' && this.now() >= payment.createdAt + QR_LIFETIME_MS) {
      payment.state = 'EXPIRED';
      this.event(payment, 'EXPIRED', payment.amountOre, null);
    }
    return payment;
  }

  private event(payment: SandboxPayment, name: string, amountOre: number, idempotencyKey: string | null): void {
    payment.events.push({ name, amountOre, at: new Date(this.now()).toISOString(), idempotencyKey });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    try {
      body = await readRequestBody(req, 64 * 1024);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    const method = req.method ?? '';
    const send = (status: number, value: unknown, type = 'application/json'): void => {
      if (this.options.record && !path.startsWith('/control/')) {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        this.exchanges.push({ method, path, headers, body, status, answer: value });
      }
      if (!res.writableEnded && !res.destroyed)
        res.writeHead(status, { 'content-type': type }).end(JSON.stringify(value));
    };
    try {
      if (path.startsWith('/control/')) return send(200, this.control(method, path, body));
      const fault = this.faultFor(path);
      if (fault?.hang) return; // never answered; the client's timeout ends it
      if (fault?.slowMs) await new Promise((resolve) => setTimeout(resolve, fault.slowMs));
      if (fault?.status) {
        const { code } = fault.status;
        return send(code, problem(code, 'Injected fault', 'the sandbox was told to fail'), PROBLEM);
      }
      if (fault?.malformed) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"state": ');
      const [status, answer] = this.route(method, path, body, req);
      if (fault?.dropAnswer) return void res.socket?.destroy();
      if (this.dropNextCreate && method === 'POST' && path === '/epayment/v1/payments') {
        this.dropNextCreate = false;
        return void res.socket?.destroy();
      }
      send(status, answer, status >= 400 ? PROBLEM : 'application/json');
    } catch (error) {
      if (error instanceof ProblemError)
        return send(error.status, problem(error.status, error.title, error.message), PROBLEM);
      if (error instanceof z.ZodError || error instanceof SyntaxError)
        return send(400, problem(400, 'Bad Request', String(error.message).slice(0, 500)), PROBLEM);
      send(500, problem(500, 'Internal Server Error', String(error)), PROBLEM);
    }
  }

  /** The matching fault, its status counted down when it has a number of times. */
  private faultFor(path: string): MobilePayFaults | null {
    const f = this.faults;
    // Faults hit the API calls; the token endpoint only when named.
    if (f.pathIncludes ? !path.includes(f.pathIncludes) : path === '/accesstoken/get') return null;
    let status = f.status;
    if (status && status.times > 0) this.faults = { ...f, status: { ...status, times: status.times - 1 } };
    else status = undefined;
    const active: MobilePayFaults = { ...f, ...(status ? { status } : { status: undefined }) };
    return active.status || active.slowMs || active.hang || active.malformed || active.dropAnswer ? active : null;
  }

  private route(method: string, path: string, body: string, req: IncomingMessage): [number, unknown] {
    if (method === 'POST' && path === '/accesstoken/get') return this.accessToken(req);
    this.authorise(req);
    if (method === 'POST' && path === '/epayment/v1/payments') return this.create(body, req);
    const m = /^\/epayment\/v1\/payments\/([^/]+)(?:\/(events|capture|cancel|refund))?$/u.exec(path);
    if (!m) throw new ProblemError(404, 'Not Found', 'no such endpoint');
    const reference = decodeURIComponent(m[1]!);
    const action = m[2];
    if (method === 'GET' && !action) {
      this.limit('get', reference);
      return [200, this.view(this.payment(reference))];
    }
    if (method === 'GET' && action === 'events') {
      this.limit('get', reference);
      const payment = this.payment(reference);
      return [200, payment.events.map((e) => this.eventView(payment, e))];
    }
    if (method === 'POST' && (action === 'capture' || action === 'cancel' || action === 'refund'))
      return this.modify(action, reference, body, req);
    throw new ProblemError(405, 'Method Not Allowed', `${method} ${path}`);
  }

  private accessToken(req: IncomingMessage): [number, unknown] {
    const header = (name: string) => String(req.headers[name] ?? '');
    if (
      !same(header('client_id'), this.clientId) ||
      !same(header('client_secret'), this.clientSecret) ||
      !same(header('ocp-apim-subscription-key'), this.subscriptionKey) ||
      header('merchant-serial-number') !== this.merchantSerialNumber
    )
      throw new ProblemError(401, 'Unauthorized', 'wrong client credentials or subscription key');
    const lifetimeMs = this.options.tokenLifetimeMs ?? 3_600_000;
    const token = `${randomUUID()}.${randomBytes(16).toString('base64url')}`;
    this.tokens.set(token, this.now() + lifetimeMs);
    return [200, { token_type: 'Bearer', expires_in: String(Math.floor(lifetimeMs / 1000)), access_token: token }];
  }

  private authorise(req: IncomingMessage): void {
    const token = /^Bearer (.+)$/u.exec(String(req.headers.authorization ?? ''))?.[1];
    const until = token ? this.tokens.get(token) : undefined;
    if (until === undefined || until <= this.now()) {
      this.unauthorized++;
      throw new ProblemError(401, 'Unauthorized', 'missing or expired access token');
    }
    if (!same(String(req.headers['ocp-apim-subscription-key'] ?? ''), this.subscriptionKey))
      throw new ProblemError(401, 'Unauthorized', 'wrong subscription key');
    if (req.headers['merchant-serial-number'] !== this.merchantSerialNumber)
      throw new ProblemError(403, 'Forbidden', 'unknown merchant serial number');
  }

  /**
   * The same key and body: the first answer again, nothing done twice. The same key with another
   * body: a conflict (the caller reused a key for a different request).
   */
  private idempotent(
    req: IncomingMessage,
    scope: string,
    body: string,
    work: () => [number, unknown],
  ): [number, unknown] {
    const key = String(req.headers['idempotency-key'] ?? '');
    if (!key || key.length > 50) throw new ProblemError(400, 'Bad Request', 'Idempotency-Key is required (max 50)');
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const stored = this.idempotency.get(`${scope}:${key}`);
    if (stored) {
      if (stored.bodyHash !== bodyHash)
        throw new ProblemError(409, 'Conflict', 'this Idempotency-Key was used for another request');
      return [stored.status, stored.body];
    }
    const [status, answer] = work();
    this.idempotency.set(`${scope}:${key}`, { bodyHash, status, body: answer });
    return [status, answer];
  }

  private create(body: string, req: IncomingMessage): [number, unknown] {
    const request = CreateBody.parse(JSON.parse(body));
    this.limit('create', request.reference);
    return this.idempotent(req, 'create', body, () => {
      if (this.payments.has(request.reference))
        throw new ProblemError(409, 'Conflict', `reference ${request.reference} is already used`);
      const payment: SandboxPayment = {
        reference: request.reference,
        pspReference: randomUUID(),
        amountOre: request.amount.value,
        state: 'CREATED',
        createdAt: this.now(),
        authorizedOre: 0,
        capturedOre: 0,
        cancelledOre: 0,
        refundedOre: 0,
        events: [],
      };
      this.payments.set(payment.reference, payment);
      this.event(payment, 'CREATED', payment.amountOre, String(req.headers['idempotency-key']));
      if (this.options.approveAfterMs !== undefined) {
        const timer = setTimeout(() => {
          if (this.payments.get(payment.reference) === payment && payment.state === 'CREATED')
            this.approve(payment.reference);
        }, this.options.approveAfterMs);
        timer.unref();
      }
      // The QR's content: where the phone goes (the sandbox's own "phone" page plays it in the demo).
      return [201, { reference: payment.reference, redirectUrl: `${this.url}/phone/${payment.reference}` }];
    });
  }

  private modify(action: 'capture' | 'cancel' | 'refund', reference: string, body: string, req: IncomingMessage) {
    this.limit(action, reference);
    return this.idempotent(req, `${action}:${reference}`, body, (): [number, unknown] => {
      const payment = this.payment(reference);
      const key = String(req.headers['idempotency-key']);
      if (action === 'cancel') {
        // Cancel ends a payment nobody approved yet, and gives back what was reserved and not taken.
        if (payment.state === 'CREATED') {
          payment.state = 'TERMINATED';
          this.event(payment, 'TERMINATED', payment.amountOre, key);
        } else if (payment.state === 'AUTHORIZED') {
          const left = payment.authorizedOre - payment.capturedOre - payment.cancelledOre;
          if (payment.capturedOre > 0 || left <= 0)
            throw new ProblemError(400, 'Bad Request', 'a captured payment cannot be cancelled: refund it');
          payment.cancelledOre += left;
          payment.state = 'TERMINATED';
          this.event(payment, 'CANCELLED', left, key);
        } else if (payment.state !== 'TERMINATED') {
          throw new ProblemError(400, 'Bad Request', `payment is ${payment.state}`);
        }
        return [200, this.view(payment)];
      }
      const { modificationAmount } = ModificationBody.parse(JSON.parse(body));
      const amount = modificationAmount.value;
      if (action === 'capture') {
        if (payment.state !== 'AUTHORIZED') throw new ProblemError(400, 'Bad Request', `payment is ${payment.state}`);
        if (amount > payment.authorizedOre - payment.capturedOre - payment.cancelledOre)
          throw new ProblemError(400, 'Bad Request', 'capture exceeds the reserved amount');
        payment.capturedOre += amount;
        this.event(payment, 'CAPTURED', amount, key);
      } else {
        if (amount > payment.capturedOre - payment.refundedOre)
          throw new ProblemError(400, 'Bad Request', 'refund exceeds the captured amount');
        payment.refundedOre += amount;
        this.event(payment, 'REFUNDED', amount, key);
      }
      return [200, this.view(payment)];
    });
  }

  /** The API's rate limits per reference and minute: 429 beyond them. */
  private limit(operation: Operation, reference: string): void {
    const key = `${operation}:${reference}`;
    const now = this.now();
    const recent = (this.calls.get(key) ?? []).filter((at) => at > now - RATE_WINDOW_MS);
    if (recent.length >= RATE_LIMITS[operation])
      throw new ProblemError(429, 'Too Many Requests', `${operation} is limited to ${RATE_LIMITS[operation]} a minute`);
    recent.push(now);
    this.calls.set(key, recent);
  }

  private view(p: SandboxPayment) {
    const dkk = (value: number) => ({ currency: 'DKK', value });
    return {
      aggregate: {
        authorizedAmount: dkk(p.authorizedOre),
        cancelledAmount: dkk(p.cancelledOre),
        capturedAmount: dkk(p.capturedOre),
        refundedAmount: dkk(p.refundedOre),
      },
      amount: dkk(p.amountOre),
      state: p.state,
      paymentMethod: { type: 'WALLET' },
      profile: {},
      pspReference: p.pspReference,
      reference: p.reference,
    };
  }

  private eventView(p: SandboxPayment, e: SandboxPayment['events'][number]) {
    return {
      reference: p.reference,
      pspReference: p.pspReference,
      name: e.name,
      amount: { currency: 'DKK', value: e.amountOre },
      timestamp: e.at,
      idempotencyKey: e.idempotencyKey,
      success: true,
    };
  }

  private control(method: string, path: string, body: string): unknown {
    const phone = /^\/control\/payments\/([^/]+)\/(approve|reject)$/u.exec(path);
    if (method === 'POST' && phone) {
      const payment = phone[2] === 'approve' ? this.approve(phone[1]!) : this.reject(phone[1]!);
      return this.view(payment);
    }
    if (method === 'POST' && path === '/control/faults') {
      this.setFaults(body ? (JSON.parse(body) as MobilePayFaults) : {});
      return { ok: true };
    }
    if (method === 'POST' && path === '/control/clock') {
      this.advanceClock(z.object({ advanceMs: z.number().int() }).parse(JSON.parse(body)).advanceMs);
      return { now: new Date(this.now()).toISOString() };
    }
    if (method === 'POST' && path === '/control/expire-tokens') {
      this.expireTokens();
      return { ok: true };
    }
    if (method === 'GET' && path === '/control/ledger') return [...this.payments.values()];
    throw new ProblemError(404, 'Not Found', 'no such control');
  }
}

const PROBLEM = 'application/problem+json';

function problem(status: number, title: string, detail: string) {
  return {
    type: `https://developer.vippsmobilepay.com/docs/knowledge-base/errors#${status}`,
    title,
    detail,
    status,
    traceId: randomUUID(),
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
