import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LosslessNumber, parse, stringify } from 'lossless-json';
import { closeNow, readRequestBody } from '../../../base/loopback-server.js';
import { DEMO_BORROWERS, SANDBOX_CLIENT, type SeedBorrower, type SeedFee } from './seed.js';
import { messageOf } from '../../../base/errors.js';

/** The spec's id for an expected fee (getExpectedFees: "The fee id (bill number) is -1"). */
const EXPECTED_FEE_ID = '-1';

/**
 * The FBS sandbox: an HTTP server with the endpoints and JSON shapes of the FBS external API
 * that the kiosk uses (see tests/fixtures/fbs-specs/), seeded with demo borrowers. The demo runs
 * on it and the tests talk to it over a real socket. It keeps a ledger of registered payments
 * and answers a repeated orderId as FBS does. Fault switches make it slow, failing, forgetful
 * (sessions), silent or garbled, so the kiosk's handling of each can be shown and tested.
 */

export interface SandboxFaults {
  /** Added to every answer. */
  latencyMs?: number;
  /** Answer the next `times` calls with this HTTP status. */
  status?: { code: number; times: number };
  /** Answer the next `times` calls with 200 and a body that is not JSON. */
  malformed?: { times: number };
  /** Never answer the next `times` calls (the client must time out). */
  hang?: { times: number };
  /** Apply the faults only to paths matching this text (e.g. "/payment/v2"). */
  pathIncludes?: string;
}

export interface LedgerEntry {
  readonly orderId: string;
  readonly patronId: string;
  readonly feeId: string;
  readonly amount: string;
  readonly confirmationId: string;
  readonly at: string;
}

/** One request and its answer, for the contract tests. */
export interface Exchange {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly request: unknown;
  readonly response: unknown;
}

interface FeeState extends SeedFee {
  paidDate?: string;
  paidByOrderId?: string;
  confirmationId?: string;
  /** Removed from FBS (e.g. written off): no longer listed at all. */
  removed?: boolean;
}

interface BorrowerState extends Omit<SeedBorrower, 'fees'> {
  fees: FeeState[];
  lockedOut: boolean;
  wrongPins: number;
}

const WRONG_PINS_BEFORE_LOCK = 5;
const SESSION_TTL_MS = 30 * 60 * 1000;

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export class FbsSandbox {
  readonly ledger: LedgerEntry[] = [];
  private readonly registeredListeners = new Set<(entry: LedgerEntry) => void>();
  readonly exchanges: Exchange[] = [];
  private borrowers: BorrowerState[] = [];
  private readonly sessions = new Map<string, number>();
  private faults: SandboxFaults = {};
  private server: Server | null = null;
  private confirmations = 0;
  url = '';

  constructor(
    private readonly seed: readonly SeedBorrower[] = DEMO_BORROWERS,
    readonly client: { username: string; password: string; agencyId: string } = SANDBOX_CLIENT,
  ) {
    this.reset();
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(400).end();
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/rest`;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.server) await closeNow(this.server);
    this.server = null;
  }

  /**
   * Back to the seeded state: fees unpaid, ledger empty, no faults, no sessions. `keepLedger`:
   * only the faults, sessions and PIN lock-outs go; what was paid and registered stays (a crash
   * test by hand clears its faults between rounds and checks the ledger at the end).
   */
  reset(options: { keepLedger?: boolean } = {}): void {
    if (options.keepLedger) {
      this.faults = {};
      this.sessions.clear();
      for (const b of this.borrowers) {
        b.wrongPins = 0;
        b.lockedOut = this.seed.find((s) => s.patronId === b.patronId)?.lockedOut ?? false;
      }
      return;
    }
    this.borrowers = this.seed.map((b) => ({
      ...b,
      fees: b.fees.map((f) => ({ ...f })),
      lockedOut: b.lockedOut ?? false,
      wrongPins: 0,
    }));
    this.ledger.length = 0;
    this.exchanges.length = 0;
    this.sessions.clear();
    this.faults = {};
  }

  /** Each fee registered as paid, as it happens (the demo prints them). */
  onRegistered(listener: (entry: LedgerEntry) => void): () => void {
    this.registeredListeners.add(listener);
    return () => this.registeredListeners.delete(listener);
  }

  setFaults(faults: SandboxFaults): void {
    this.faults = { ...faults };
  }

  /** Every session times out now: the next call gets 401. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** The debtor system (or a counter) took the money: FBS now shows the fee as paid. */
  markPaidElsewhere(feeId: string): void {
    const fee = this.fee(feeId);
    fee.paidDate = today();
    fee.paidByOrderId = `elsewhere-${feeId}`;
  }

  /**
   * Staff reopened a paid fee in FBS (after the kiosk gave the money back): listed as unpaid
   * again, and a new payment's order id may register it.
   */
  reopenFee(feeId: string): void {
    const fee = this.fee(feeId);
    delete fee.paidDate;
    delete fee.paidByOrderId;
    delete fee.confirmationId;
  }

  /** More fees for a seeded borrower (tests with many claims); gone again at the next full reset. */
  addFees(patronId: string, fees: readonly SeedFee[]): void {
    const borrower = this.borrowers.find((b) => b.patronId === patronId);
    if (!borrower) throw new Error(`no borrower ${patronId} in the sandbox`);
    borrower.fees.push(...fees.map((f) => ({ ...f })));
  }

  setAmount(feeId: string, amount: string): void {
    (this.fee(feeId) as { amount: string }).amount = amount;
  }

  removeFee(feeId: string): void {
    this.fee(feeId).removed = true;
  }

  private fee(feeId: string): FeeState {
    const fee = this.borrowers.flatMap((b) => b.fees).find((f) => f.feeId === feeId);
    if (!fee) throw new Error(`no fee ${feeId} in the sandbox`);
    return fee;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readRequestBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/^\/rest/, '');
    if (path.startsWith('/_sandbox/')) return this.control(req.method ?? 'GET', path, text, res);

    const faulty = this.faults.pathIncludes === undefined || path.includes(this.faults.pathIncludes);
    if (faulty && this.faults.latencyMs) await sleep(this.faults.latencyMs);
    if (faulty && this.consume('hang')) return; // the socket stays open, unanswered
    if (faulty && this.consume('malformed')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"feeId": 12, "amount": [unterminated');
      return;
    }
    if (faulty && this.faults.status && this.faults.status.times > 0) {
      this.faults.status.times--;
      res.writeHead(this.faults.status.code, { 'content-type': 'text/plain' }).end('sandbox fault');
      return;
    }

    let operation = 'unknown';
    let request: unknown = null;
    let answer: HttpAnswer;
    try {
      // preauthenticated/v10 takes the identifier itself as its body, not JSON (FbsClient.preauthenticate).
      request = path.endsWith('/patrons/preauthenticated/v10') ? text : text ? parse(text) : null;
      const routed = this.route(req.method ?? 'GET', path, url.searchParams, req.headers['x-session'], request);
      operation = routed.operation;
      answer = routed.answer;
    } catch (error) {
      answer =
        error instanceof HttpAnswer ? error : new HttpAnswer(400, { message: `bad request: ${messageOf(error)}` });
    }
    this.exchanges.push({
      operation,
      method: req.method ?? 'GET',
      path,
      status: answer.status,
      request,
      response: answer.body,
    });
    if (this.exchanges.length > 1000) this.exchanges.shift();
    res
      .writeHead(answer.status, { 'content-type': 'application/json' })
      .end(answer.body === undefined ? '' : stringify(answer.body));
  }

  private route(
    method: string,
    path: string,
    query: URLSearchParams,
    session: string | string[] | undefined,
    body: unknown,
  ): { operation: string; answer: HttpAnswer } {
    const agency = this.client.agencyId;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === `/external/v1/${agency}/authentication/login`) {
      return { operation: 'login', answer: this.login(body) };
    }
    this.requireSession(session);
    if (method === 'POST' && path === `/external/${agency}/patrons/authenticate/v9`) {
      return { operation: 'authenticateV9', answer: this.authenticate(body) };
    }
    if (method === 'POST' && path === `/external/${agency}/patrons/preauthenticated/v10`) {
      return { operation: 'getPreAuthenticatedPatronV10', answer: this.preauthenticate(body) };
    }
    if (method === 'GET' && (m = new RegExp(`^/external/${agency}/patrons/(\\d+)/v4$`).exec(path))) {
      return { operation: 'getPatronInformationByPatronIdV4', answer: this.patron(m[1]!) };
    }
    if (method === 'GET' && (m = new RegExp(`^/external/${agency}/patron/(\\d+)/fees/v2$`).exec(path))) {
      return { operation: 'getFeesV2', answer: this.fees(m[1]!, query) };
    }
    if (method === 'GET' && (m = new RegExp(`^/external/${agency}/patron/(\\d+)/fee/expected-fees/v1$`).exec(path))) {
      return { operation: 'getExpectedFees', answer: this.expectedFees(m[1]!) };
    }
    if (method === 'POST' && (m = new RegExp(`^/external/${agency}/patron/(\\d+)/payment/v2$`).exec(path))) {
      return { operation: 'payFeesV2', answer: this.pay(m[1]!, body) };
    }
    return { operation: 'unknown', answer: new HttpAnswer(404, { message: 'no such endpoint in the sandbox' }) };
  }

  private login(body: unknown): HttpAnswer {
    const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
    if (typeof username !== 'string' || typeof password !== 'string')
      return new HttpAnswer(400, { message: 'username and password required' });
    if (username !== this.client.username || password !== this.client.password)
      return new HttpAnswer(403, { message: 'invalid client credentials' });
    const sessionKey = randomUUID();
    this.sessions.set(sessionKey, Date.now() + SESSION_TTL_MS);
    return new HttpAnswer(200, { sessionKey });
  }

  private requireSession(session: string | string[] | undefined): void {
    const expires = typeof session === 'string' ? this.sessions.get(session) : undefined;
    if (expires === undefined || expires < Date.now()) throw new HttpAnswer(401, { message: 'client unauthorized' });
  }

  private byIdentifier(identifier: string): BorrowerState | undefined {
    return this.borrowers.find((b) => b.identifiers.includes(identifier));
  }

  private byPatronId(patronId: string): BorrowerState {
    const borrower = this.borrowers.find((b) => b.patronId === patronId);
    if (!borrower) throw new HttpAnswer(400, { message: 'unknown patron' });
    return borrower;
  }

  private authenticate(body: unknown): HttpAnswer {
    const { libraryCardNumber, pincode } = (body ?? {}) as { libraryCardNumber?: unknown; pincode?: unknown };
    if (typeof libraryCardNumber !== 'string' || typeof pincode !== 'string')
      return new HttpAnswer(400, { message: 'libraryCardNumber and pincode required' });
    const borrower = this.byIdentifier(libraryCardNumber);
    if (!borrower) return authAnswer('INVALID', '0');
    if (borrower.lockedOut) return authAnswer('LOANER_LOCKED_OUT', borrower.patronId);
    if (borrower.pin !== pincode) {
      borrower.wrongPins++;
      if (borrower.wrongPins >= WRONG_PINS_BEFORE_LOCK) borrower.lockedOut = true;
      return authAnswer('INVALID', '0');
    }
    borrower.wrongPins = 0;
    return authAnswer('VALID', borrower.patronId);
  }

  private preauthenticate(body: unknown): HttpAnswer {
    // The raw body is the identifier: a JSON-quoted one keeps its quotes and matches nobody.
    if (typeof body !== 'string' || body === '') return new HttpAnswer(400, { message: 'patron identifier required' });
    const borrower = this.byIdentifier(body);
    return borrower ? authAnswer('VALID', borrower.patronId) : authAnswer('INVALID', '0');
  }

  private patron(patronId: string): HttpAnswer {
    const b = this.byPatronId(patronId);
    return new HttpAnswer(200, {
      authenticateStatus: 'VALID',
      patron: {
        patronId: new LosslessNumber(b.patronId),
        name: b.name,
        birthday: b.birthday,
        preferredPickupBranch: this.client.agencyId,
        guardianVisibility: false,
        receiveEmail: false,
        receiveSms: false,
        receivePostalMail: false,
        defaultInterestPeriod: new LosslessNumber('90'),
        resident: true,
        blockStatus: (b.blocks ?? []).map((x) => ({ ...x })),
      },
    });
  }

  private fees(patronId: string, query: URLSearchParams): HttpAnswer {
    // Both are required booleans in the spec (getFeesV2): refused when missing or not a boolean.
    for (const name of ['includepaid', 'includenonpayable'])
      if (!['true', 'false'].includes(query.get(name) ?? ''))
        return new HttpAnswer(400, { message: `query parameter ${name} (true or false) required` });
    const includePaid = query.get('includepaid') === 'true';
    const includeNonPayable = query.get('includenonpayable') === 'true';
    // Expected fees (id -1) are not fees yet: FBS gives them by their own endpoint only.
    const fees = this.byPatronId(patronId)
      .fees.filter(
        (f) =>
          f.feeId !== EXPECTED_FEE_ID &&
          !f.removed &&
          (includePaid || !f.paidDate) &&
          (includeNonPayable || f.payableByClient),
      )
      .map((f) => ({
        feeId: new LosslessNumber(f.feeId),
        type: f.type,
        reasonMessage: f.reasonMessage,
        amount: new LosslessNumber(f.amount),
        creationDate: f.creationDate,
        ...(f.dueDate ? { dueDate: f.dueDate } : {}),
        ...(f.paidDate ? { paidDate: f.paidDate } : {}),
        payableByClient: f.payableByClient,
        materials: f.materials.map((m) => ({ ...m })),
      }));
    return new HttpAnswer(200, fees);
  }

  /**
   * getExpectedFees, as the spec describes them: fee id -1, created today, no due date, not
   * payable by the client.
   */
  private expectedFees(patronId: string): HttpAnswer {
    const today = new Date().toISOString().slice(0, 10);
    const expected = this.byPatronId(patronId)
      .fees.filter((f) => f.feeId === EXPECTED_FEE_ID && !f.removed)
      .map((f) => ({
        feeId: new LosslessNumber(EXPECTED_FEE_ID),
        type: f.type,
        reasonMessage: f.reasonMessage,
        amount: new LosslessNumber(f.amount),
        creationDate: today,
        payableByClient: false,
        materials: f.materials.map((m) => ({ ...m })),
      }));
    return new HttpAnswer(200, expected);
  }

  private pay(patronId: string, body: unknown): HttpAnswer {
    const borrower = this.byPatronId(patronId);
    const { orderId, feeIds } = (body ?? {}) as { orderId?: unknown; feeIds?: unknown };
    if (typeof orderId !== 'string' || orderId === '' || !Array.isArray(feeIds) || feeIds.length === 0) {
      return new HttpAnswer(400, { message: 'orderId and feeIds required' });
    }
    // feeIds are int64 JSON numbers (PaymentOrderV2); a fee id sent as a string is refused.
    if (!feeIds.every((id) => id instanceof LosslessNumber && /^-?\d{1,19}$/u.test(id.value)))
      return new HttpAnswer(400, { message: 'feeIds must be integers' });
    const ids = feeIds.map((id) => (id as LosslessNumber).value);
    const fees = ids.map((id) => borrower.fees.find((f) => f.feeId === id && !f.removed));
    if (fees.some((f) => f === undefined)) return new HttpAnswer(400, { message: 'unknown fee for this patron' });
    const confirmations = (fees as FeeState[]).map((fee) => {
      const base = { orderId, feeId: new LosslessNumber(fee.feeId) };
      if (fee.paidByOrderId === orderId)
        return { ...base, confirmationId: fee.confirmationId, paymentStatus: 'paymentRegistered' };
      if (fee.paidDate) return { ...base, paymentStatus: 'paymentRegisteredByDifferentOrderId' };
      if (!fee.payableByClient || fee.feeId === EXPECTED_FEE_ID)
        return { ...base, paymentStatus: 'paymentNotAllowedByClient' };
      fee.paidDate = today();
      fee.paidByOrderId = orderId;
      fee.confirmationId = `FBS-${String(++this.confirmations).padStart(8, '0')}`;
      const entry: LedgerEntry = {
        orderId,
        patronId,
        feeId: fee.feeId,
        amount: fee.amount,
        confirmationId: fee.confirmationId,
        at: new Date().toISOString(),
      };
      this.ledger.push(entry);
      for (const listener of this.registeredListeners) listener(entry);
      return { ...base, confirmationId: fee.confirmationId, paymentStatus: 'paymentRegistered' };
    });
    return new HttpAnswer(200, confirmations);
  }

  /** Technician/demo controls: read the ledger, set faults, reset. Loopback only, like the rest. */
  private control(method: string, path: string, text: string, res: ServerResponse): void {
    const reply = (status: number, body: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    try {
      if (method === 'GET' && path === '/_sandbox/ledger') return reply(200, this.ledger);
      if (method === 'POST' && path === '/_sandbox/faults') {
        this.setFaults(text ? (JSON.parse(text) as SandboxFaults) : {});
        return reply(200, this.faults);
      }
      if (method === 'POST' && path === '/_sandbox/expire-sessions') {
        this.expireSessions();
        return reply(200, {});
      }
      if (method === 'POST' && path === '/_sandbox/reset') {
        const body = (text ? JSON.parse(text) : {}) as { keepLedger?: unknown };
        this.reset({ keepLedger: body.keepLedger === true });
        return reply(200, {});
      }
      reply(404, { message: 'no such control' });
    } catch (error) {
      reply(400, { message: messageOf(error) });
    }
  }

  private consume(kind: 'hang' | 'malformed'): boolean {
    const fault = this.faults[kind];
    if (!fault || fault.times <= 0) return false;
    fault.times--;
    return true;
  }
}

function authAnswer(status: 'VALID' | 'INVALID' | 'LOANER_LOCKED_OUT', patronId: string): HttpAnswer {
  return new HttpAnswer(200, {
    authenticateStatus: status,
    patronId: new LosslessNumber(patronId),
    patronType: 'PERSON',
  });
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
