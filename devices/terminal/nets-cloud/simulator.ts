import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { closeNow, readRequestBody } from '../../../base/loopback-server.js';
import { messageOf } from '../../../base/errors.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../../base/sandbox-pki.js';
import { AdministrationRequest, PurchaseRequest, VoidRequest } from './wire.js';

/**
 * A Nets Connect@Cloud stand-in (the API in wire.ts) for the demo and the tests: HTTPS, token
 * log-in with tokens that expire, one terminal whose purchase call is held until the card flow
 * ends, the look-up of its latest transaction, void of the last one, cancel and reconciliation.
 * Its ledger is the truth the tests check the kiosk's journal against.
 */
export const NETS_SCENARIOS = [
  'approve',
  'decline', // the issuer refuses (Result 1, response code 05)
  'cancel', // the cardholder presses cancel on the terminal
  'card-removed',
  'busy', // the terminal is busy and refuses at once
  'slow', // the answer is lost (the link drops) while the terminal carries on and approves
  'drop', // approves, then the connection drops before the answer is sent
  'wait', // waits for the card until cancelled or the terminal's own timeout
  'unknown-then-final', // answers Result 99 (unknown); the look-up says 99 twice, then approved
  'offline', // the terminal is not connected to the cloud
] as const;
export type NetsScenario = (typeof NETS_SCENARIOS)[number];

/** Demo and tests: amounts ending in these øre pick a scenario; every other amount is approved. */
export const NETS_SCENARIO_FOR_ORE: Readonly<Record<number, NetsScenario>> = {
  1: 'decline',
  2: 'cancel',
  3: 'card-removed',
  4: 'busy',
  5: 'slow',
  6: 'drop',
  7: 'wait',
  8: 'unknown-then-final',
  9: 'offline',
};

export interface NetsSimulatorTiming {
  /** Pause between the card flow's steps. */
  readonly stepMs: number;
  /** The terminal's own limit for a waiting card flow. */
  readonly terminalTimeoutMs: number;
  /** `slow`: how long the terminal takes, its answer lost meanwhile. */
  readonly slowMs: number;
}

export interface NetsSimulatorOptions {
  readonly username?: string;
  readonly password?: string;
  readonly terminalId?: string;
  readonly timing?: Partial<NetsSimulatorTiming>;
  /** How long a log-in token lives. */
  readonly tokenLifetimeMs?: number;
  /** The terminal's wall clock, in which it stamps transactions (`yyyyMMddHHmmss`). */
  readonly timeZone?: string;
}

export interface NetsLedgerEntry {
  readonly orderId: string;
  readonly amountOre: number;
  readonly scenario: NetsScenario;
  readonly receivedAt: string;
  state: 'in-progress' | 'final';
  /** Nets' result code: 0 approved, 99 unknown, other refused. */
  result: number;
  stan: string;
  timeStamp: string;
  /** Money was taken from the card and not given back. */
  captured: boolean;
  voided: boolean;
  /** Look-ups that still answer 99 (`unknown-then-final`). */
  unknownLookups: number;
}

const DEFAULT_TIMING: NetsSimulatorTiming = { stepMs: 400, terminalTimeoutMs: 120_000, slowMs: 15_000 };

const ControlState = z
  .object({
    offline: z.boolean().optional(),
    /** Every token issued so far expires now (the next call gets 401). */
    expireTokens: z.boolean().optional(),
    /** The log-in service refuses (HTTP 503). */
    loginDown: z.boolean().optional(),
    /** Look-ups mirror the orderId of an approval (Nets' newer backend) or nothing (its older one). */
    mirrorOrderId: z.boolean().optional(),
  })
  .strict();

interface Running {
  readonly entry: NetsLedgerEntry;
  cancelled: boolean;
  wake: () => void;
}

export class NetsCloudSimulator {
  readonly ledger: NetsLedgerEntry[] = [];
  readonly timing: NetsSimulatorTiming;
  readonly terminalId: string;
  readonly username: string;
  readonly password: string;
  /** Calls refused for a missing or expired token (what the driver must recover from). */
  unauthorized = 0;
  private readonly tokens = new Map<string, number>();
  private readonly queue: NetsScenario[] = [];
  private running: Running | null = null;
  private offline = false;
  private loginDown = false;
  private mirrorOrderId = true;
  private sequence = 0;
  private server: Server | null = null;
  private ca: CertificateAuthority | null = null;
  private leaf: { keyPem: string; certPem: string } | null = null;

  constructor(private readonly options: NetsSimulatorOptions = {}) {
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.terminalId = options.terminalId ?? '90000001';
    this.username = options.username ?? 'kiosk-demo';
    this.password = options.password ?? randomBytes(12).toString('base64url');
    if (this.timing.slowMs >= this.timing.terminalTimeoutMs)
      throw new Error('slowMs must be shorter than the terminal timeout: a terminal never approves after it');
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the Nets simulator has not started');
    return `https://127.0.0.1:${address.port}`;
  }

  get caPem(): string {
    if (!this.ca) throw new Error('the Nets simulator has not started');
    return this.ca.certPem;
  }

  /** Starts it (again: the same certificate, so a restarted cloud is the same cloud to its clients). */
  async start(port = 0): Promise<string> {
    this.ca ??= createCertificateAuthority('Nets Connect@Cloud simulator CA');
    this.leaf ??= this.ca.issue({ commonName: '127.0.0.1', serverNames: ['127.0.0.1'] });
    const leaf = this.leaf;
    const server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.running) {
      this.running.cancelled = true;
      this.running.wake();
    }
    if (this.server?.listening) await closeNow(this.server);
  }

  queueScenario(scenario: NetsScenario, count = 1): void {
    for (let i = 0; i < count; i++) this.queue.push(scenario);
  }

  setState(state: z.infer<typeof ControlState>): void {
    if (state.offline !== undefined) this.offline = state.offline;
    if (state.loginDown !== undefined) this.loginDown = state.loginDown;
    if (state.mirrorOrderId !== undefined) this.mirrorOrderId = state.mirrorOrderId;
    if (state.expireTokens) this.tokens.clear();
  }

  /** Back to a fresh terminal: no transactions, nothing queued, online, tokens kept. */
  reset(): void {
    this.ledger.length = 0;
    this.queue.length = 0;
    this.offline = false;
    this.loginDown = false;
    this.mirrorOrderId = true;
    this.unauthorized = 0;
  }

  /** The purchases received for one orderId (the kiosk's request reference). */
  purchasesFor(orderId: string): NetsLedgerEntry[] {
    return this.ledger.filter((e) => e.orderId === orderId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    try {
      body = await readRequestBody(req, 64 * 1024);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const json = (status: number, value: unknown): void => {
      if (!res.writableEnded && !res.destroyed)
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0] ?? '';
    try {
      if (path.startsWith('/control/')) return this.control(method, path, body, json);
      if (method === 'POST' && path === '/v1/login') return this.login(body, json);
      if (!this.authorised(req)) {
        this.unauthorized++;
        return json(401, { failure: 'unauthorized' });
      }
      const m = /^\/v1\/terminal\/([^/]+)\/(transaction|administration|settings)$/u.exec(path);
      if (!m) return json(404, { failure: 'no such endpoint' });
      if (decodeURIComponent(m[1]!) !== this.terminalId) return json(404, { failure: 'unknown terminal' });
      const what = m[2]!;
      // The cloud keeps the terminal's settings: they answer whether or not the terminal is connected.
      if (what === 'settings' && method === 'GET') return json(200, { printerWidth: 42, language: 'da' });
      if (this.offline) return json(400, NOT_CONNECTED);
      if (what === 'transaction' && method === 'POST') return await this.purchase(body, res, json);
      if (what === 'transaction' && method === 'GET') return this.lookUp(json);
      if (what === 'transaction' && method === 'DELETE') return this.voidLast(body, json);
      if (what === 'administration' && method === 'POST') return this.administration(body, json);
      json(405, { failure: 'method not allowed' });
    } catch (error) {
      json(400, { failure: { error: `bad request: ${messageOf(error).slice(0, 200)}` } });
    }
  }

  private login(body: string, json: (status: number, value: unknown) => void): void {
    if (this.loginDown) return json(503, { failure: 'login service unavailable' });
    const { username, password } = z.object({ username: z.string(), password: z.string() }).parse(JSON.parse(body));
    if (username !== this.username || !sameText(password, this.password))
      return json(401, { failure: 'wrong credentials' });
    const token = randomUUID();
    this.tokens.set(token, Date.now() + (this.options.tokenLifetimeMs ?? 60 * 60_000));
    json(201, { token, terminals: [this.terminalId] });
  }

  private authorised(req: IncomingMessage): boolean {
    const token = /^Bearer (.+)$/u.exec(req.headers.authorization ?? '')?.[1];
    const until = token ? this.tokens.get(token) : undefined;
    return until !== undefined && until > Date.now();
  }

  private async purchase(
    body: string,
    res: ServerResponse,
    json: (status: number, value: unknown) => void,
  ): Promise<void> {
    const request = PurchaseRequest.parse(JSON.parse(body));
    const scenario = this.queue.shift() ?? NETS_SCENARIO_FOR_ORE[request.amount % 100] ?? 'approve';
    if (scenario === 'offline') return json(400, NOT_CONNECTED);
    if (this.running || scenario === 'busy') return json(400, this.failure('Terminal busy'));
    const entry: NetsLedgerEntry = {
      orderId: request.orderId,
      amountOre: request.amount,
      scenario,
      receivedAt: new Date().toISOString(),
      state: 'in-progress',
      result: 99,
      stan: '',
      timeStamp: this.stamp(new Date()),
      captured: false,
      voided: false,
      unknownLookups: 0,
    };
    this.ledger.push(entry);
    const running: Running = { entry, cancelled: false, wake: () => {} };
    this.running = running;
    try {
      if (scenario === 'slow') res.socket?.destroy();
      const waitMs =
        scenario === 'wait'
          ? this.timing.terminalTimeoutMs
          : scenario === 'slow'
            ? this.timing.slowMs
            : this.timing.stepMs;
      const finished = await this.pause(running, waitMs);
      if (!finished || scenario === 'wait' || scenario === 'cancel') {
        this.settle(entry, 1);
        return json(400, this.failure('Transaction cancelled', entry));
      }
      if (scenario === 'card-removed') {
        this.settle(entry, 1);
        return json(400, this.failure('Card removed', entry));
      }
      if (scenario === 'decline') {
        this.settle(entry, 1);
        return json(400, this.failure('Terminal / rejected transaction', entry, '05'));
      }
      this.settle(entry, 0);
      if (scenario === 'unknown-then-final') {
        entry.unknownLookups = 2;
        return json(201, {
          result: [{ ...this.resultFields(entry), localModeEventArgs: this.args(entry, undefined, 99) }],
        });
      }
      if (scenario === 'drop') {
        res.socket?.destroy();
        return;
      }
      json(201, {
        result: [
          {
            ...this.resultFields(entry),
            merchantReceipt: '',
            customerReceipt: this.receipt(entry),
            localModeEventArgs: this.args(entry),
          },
        ],
      });
    } finally {
      if (this.running === running) this.running = null;
    }
  }

  private lookUp(json: (status: number, value: unknown) => void): void {
    const latest = this.ledger.at(-1);
    if (!latest) return json(404, { failure: 'no transaction' });
    const unknown = latest.state === 'in-progress' || latest.unknownLookups > 0;
    if (latest.unknownLookups > 0) latest.unknownLookups--;
    const args = this.args(latest, undefined, unknown ? 99 : undefined);
    json(200, {
      result: {
        latestTransactionResult: args,
        // Mirrored for successful transactions only, as Nets does.
        ...(!unknown && latest.result === 0 && this.mirrorOrderId ? { orderId: latest.orderId } : {}),
        ...(!unknown && latest.result === 0 ? { printText: { Text: this.receipt(latest) } } : {}),
      },
    });
  }

  private voidLast(body: string, json: (status: number, value: unknown) => void): void {
    const { amount } = VoidRequest.parse(JSON.parse(body));
    const latest = this.ledger.at(-1);
    if (!latest || latest.result !== 0 || !latest.captured || latest.voided)
      return json(400, this.failure('No transaction to void'));
    if (latest.amountOre !== amount) return json(400, this.failure('Amount does not match the last transaction'));
    latest.captured = false;
    latest.voided = true;
    json(201, { result: [{ ...this.resultFields(latest), localModeEventArgs: this.args(latest, undefined, 0) }] });
  }

  private administration(body: string, json: (status: number, value: unknown) => void): void {
    const { action } = AdministrationRequest.parse(JSON.parse(body));
    if (action === 'cancelAction') {
      if (this.running) {
        this.running.cancelled = true;
        this.running.wake();
      }
      return json(201, { result: 'ok' });
    }
    if (action === 'reconciliation') {
      const captured = this.ledger.filter((e) => e.captured);
      // The printout sits inside `reconciliation`, beside its header, as production clients read it.
      return json(201, {
        result: {
          reconciliation: {
            header: { timestamp: new Date().toISOString(), sessionNumber: String(++this.sequence) },
            printText: {
              Text: [
                'AFSTEMNING',
                `Term: ${this.terminalId}`,
                `Antal køb: ${captured.length}`,
                `I alt DKK ${kroner(captured.reduce((sum, e) => sum + e.amountOre, 0))}`,
              ].join('\r\n'),
            },
          },
        },
      });
    }
    json(201, { result: 'ok' });
  }

  private control(method: string, path: string, body: string, json: (status: number, value: unknown) => void): void {
    if (method === 'GET' && path === '/control/ledger') return json(200, this.ledger);
    if (method === 'POST' && path === '/control/scenario') {
      const { scenario, count } = z
        .object({ scenario: z.enum(NETS_SCENARIOS), count: z.number().int().min(1).max(100).optional() })
        .strict()
        .parse(JSON.parse(body));
      this.queueScenario(scenario, count);
      return json(200, { queued: this.queue.length });
    }
    if (method === 'POST' && path === '/control/state') {
      this.setState(ControlState.parse(JSON.parse(body || '{}')));
      return json(200, { offline: this.offline });
    }
    json(404, { error: 'no such control' });
  }

  private settle(entry: NetsLedgerEntry, result: number): void {
    entry.state = 'final';
    entry.result = result;
    entry.timeStamp = this.stamp(new Date());
    if (result === 0) {
      entry.stan = `${String(++this.sequence).padStart(6, '0')}${String(randomInt(1_000_000)).padStart(6, '0')}`;
      entry.captured = true;
    }
  }

  /**
   * `localModeEventArgs` as production sends them: numbers as text where Nets sends text, and
   * every field twice, camelCase and PascalCase (the driver reads the PascalCase ones).
   */
  private args(entry: NetsLedgerEntry, responseCode?: string, result = entry.result): Record<string, unknown> {
    const approved = result === 0;
    const fields: Record<string, unknown> = {
      Result: String(result),
      TimeStamp: entry.timeStamp,
      TotalAmount: entry.amountOre,
      TerminalID: this.terminalId,
      SessionNumber: SESSION,
      StanAuth: approved ? entry.stan : '',
      TruncatedPAN: approved ? CARD.truncated : '',
      CardIssuerName: approved ? CARD.scheme : '',
      ResponseCode: approved ? '00' : (responseCode ?? ''),
      RejectionSource: approved ? '0' : '03',
    };
    const camel = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v]));
    return { ...camel, ...fields };
  }

  /** The fields beside `localModeEventArgs` in a result (production: `orderId` null, a false `Z`). */
  private resultFields(entry: NetsLedgerEntry): Record<string, unknown> {
    const t = entry.timeStamp;
    return {
      transactionId: entry.stan || null,
      retrievalReferenceNumber: null,
      cardNumber: entry.result === 0 ? CARD.truncated : null,
      cardType: entry.result === 0 ? CARD.scheme : null,
      timeStamp: `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}.000Z`,
      storeboxToken: {},
      transactionType: 'purchase',
      preAuthorizationInfo: null,
      orderId: null,
    };
  }

  /** A refusal in production's shape: the error text, the empty fields, the terminal's record. */
  private failure(error: string, entry?: NetsLedgerEntry, responseCode?: string): Record<string, unknown> {
    return {
      failure: {
        error,
        ...(entry
          ? { ...this.resultFields(entry), cardNumber: null, cardType: null, merchantReceipt: '', customerReceipt: '' }
          : {}),
        ...(entry ? { localModeEventArgs: this.args(entry, responseCode) } : {}),
      },
    };
  }

  /** The customer receipt as Nets' terminals print it: CRLF lines, amount right-aligned, a form feed. */
  private receipt(entry: NetsLedgerEntry): string {
    const t = entry.timeStamp;
    return [
      `Term: ${this.terminalId}`,
      `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}`,
      '',
      `${CARD.scheme} `,
      'Contactless',
      `************${CARD.truncated.slice(-4)}-0`,
      `Ref.: ${entry.stan}`,
      'Resp.: 00',
      `Periode: ${SESSION}`,
      '',
      'KØB',
      `DKK${kroner(entry.amountOre).padStart(18)}`,
      'GODKENDT',
      '',
      '',
      '\f',
    ].join('\r\n');
  }

  /** `yyyyMMddHHmmss` on the terminal's wall clock. */
  private stamp(at: Date): string {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: this.options.timeZone ?? 'Europe/Copenhagen',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(at);
    const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '00';
    return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
  }

  private pause(running: Running, ms: number): Promise<boolean> {
    if (running.cancelled) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!running.cancelled), ms);
      running.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }
}

/** A terminal the cloud cannot reach, answered at once (production's words). */
const NOT_CONNECTED = { failure: { error: 'Invalid terminal ID or terminal not connected' } };
const CARD = { scheme: 'Dankort', truncated: '457199******0005' };
const SESSION = '712';

function kroner(ore: number): string {
  return `${Math.floor(ore / 100)},${String(ore % 100).padStart(2, '0')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
