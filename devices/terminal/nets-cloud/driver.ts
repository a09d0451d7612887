import { randomInt } from 'node:crypto';
import { Agent } from 'undici';
import type { z } from 'zod';
import { messageOf } from '../../../base/errors.js';
import { HttpFailure, httpExchange, type HttpResponse } from '../../../base/http.js';
import type { Logger } from '../../../base/log.js';
import {
  TerminalAnswerLostError,
  TerminalBusyError,
  TerminalNotReachedError,
  type DeclineReason,
  type PaymentTerminal,
  type ReversalOutcome,
  type TerminalHealth,
  type TerminalOutcome,
  type TerminalPaymentRequest,
  type TerminalReceiptLine,
  type TerminalReconciliation,
  type TerminalStatus,
} from '../../../ports/payment-terminal.js';
import { receiptFromText } from '../receipt-text.js';
import {
  LocalModeEventArgs,
  LoginAnswer,
  LookupAnswer,
  netsTime,
  readTransactionAnswer,
  ReconciliationAnswer,
  type PurchaseRequest,
  type TransactionAnswer,
} from './wire.js';

export interface NetsCloudTerminalOptions {
  /** Connect@Cloud's address: NETS_HOSTS.test or .production, or the simulator's. */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** The terminal's id at Nets (bound to the account by Nets). */
  readonly terminalId: string;
  /** CA for the API's certificate (PEM); empty: the system's CAs. */
  readonly caPem?: string;
  /** How long the held purchase call may take (integrators allow 300 s). */
  readonly purchaseTimeoutMs: number;
  /** Log-in, look-up, void and administration calls. */
  readonly requestTimeoutMs: number;
  /** The longest a request may take to reach the terminal through the cloud. */
  readonly maxTransitMs: number;
  /** The library's time zone: Nets' wall-clock time stamps are read in it. */
  readonly timeZone: string;
  readonly log: Logger;
}

const ORDER_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * How far the terminal's clock may be behind the kiosk's: a transaction stamped earlier than this
 * before a request was sent is older than the request. (Production integrations use ten minutes
 * to accept a look-up; here the time only ever decides "older", or a refusal that moved no money.)
 */
const CLOCK_SKEW_MS = 5_000;

interface InFlight {
  readonly paymentId: string;
  readonly orderId: string;
}

/**
 * A card terminal through Nets Connect@Cloud (wire.ts). The same guarantees as the nexo driver:
 * one purchase in flight; the payment's request reference is the `orderId`, persisted before the
 * call; a lost answer is never answered by a second purchase — `status` looks the transaction up
 * and accepts it only when it is provably this one (its orderId, or for a refusal, its time);
 * anything it cannot prove is "in progress", so recovery asks again and then hands it to staff.
 */
export class NetsCloudTerminal implements PaymentTerminal {
  private readonly agent: Agent;
  private token: string | null = null;
  private login: Promise<string> | null = null;
  private inFlight: InFlight | null = null;
  /** Whether the terminal itself is connected to the cloud: unknown until a call reaches it. */
  private connected: boolean | null = null;
  private notConnected: string | null = null;

  constructor(private readonly options: NetsCloudTerminalOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 4,
      ...(options.caPem ? { connect: { ca: options.caPem } } : {}),
    });
  }

  /** Connect@Cloud's look-up tells the latest transaction only. */
  readonly latestOnly = true;

  get inFlightWindowMs(): number {
    return this.options.maxTransitMs + this.options.purchaseTimeoutMs;
  }

  /** 20 alphanumerics: the purchase's orderId, which Nets mirrors in a successful look-up. */
  newRequestRef(): string {
    let id = '';
    for (let i = 0; i < 20; i++) id += ORDER_ID_ALPHABET[randomInt(ORDER_ID_ALPHABET.length)];
    return id;
  }

  /**
   * The cloud answers for the account and its terminals even when a terminal is switched off or
   * has lost its connection (production then refuses a purchase at once: "Invalid terminal ID or
   * terminal not connected"). So: the settings call proves the account and the terminal's id;
   * whether the terminal itself is connected is proved by a call that reaches it — the look-up of
   * its latest transaction (read-only) — made at start and while the terminal is believed gone,
   * never during a purchase. Any terminal answer on the way (a purchase, a look-up) keeps the
   * belief current.
   */
  async health(): Promise<TerminalHealth> {
    try {
      const response = await this.call('GET', this.terminalPath('/settings'), undefined, this.options.requestTimeoutMs);
      if (response.status === 404)
        return { available: false, reason: 'error', detail: `Nets does not know terminal ${this.options.terminalId}` };
      if (response.status !== 200)
        return { available: false, reason: 'out-of-service', detail: `Nets answered HTTP ${response.status}` };
      if (this.connected !== true && !this.inFlight) {
        const lookup = await this.call(
          'GET',
          this.terminalPath('/transaction'),
          undefined,
          this.options.requestTimeoutMs,
        );
        if (lookup.status === 200 || lookup.status === 404) this.noteTerminalAnswer(null);
        else this.noteRefusal(lookup.text);
      }
      if (this.connected === false)
        return {
          available: false,
          reason: 'unreachable',
          detail: `Nets cannot reach terminal ${this.options.terminalId}: ${this.notConnected ?? 'not connected'}`,
        };
      return { available: true };
    } catch (error) {
      const detail = messageOf(error);
      if (error instanceof TerminalNotReachedError || error instanceof TerminalAnswerLostError)
        return { available: false, reason: 'unreachable', detail };
      return { available: false, reason: 'error', detail };
    }
  }

  /**
   * What a terminal-level answer says of the terminal's connection: `failure` is Nets' refusal
   * text (null when the terminal answered). Only "not connected" marks it gone; any other answer
   * proves it there.
   */
  private noteTerminalAnswer(failure: string | null): void {
    if (failure !== null && NOT_CONNECTED.test(failure)) {
      if (this.connected !== false) this.options.log.warn({ detail: failure }, 'Nets: the terminal is not connected');
      this.connected = false;
      this.notConnected = failure;
      return;
    }
    if (this.connected === false) this.options.log.info('Nets: the terminal is connected again');
    this.connected = true;
    this.notConnected = null;
  }

  /** A refusal of a call that is not a transaction: only a readable "not connected" counts. */
  private noteRefusal(body: string): void {
    const text = failureText(body);
    if (text !== null && NOT_CONNECTED.test(text)) this.noteTerminalAnswer(text);
  }

  async pay(request: TerminalPaymentRequest): Promise<TerminalOutcome> {
    if (this.inFlight) throw new TerminalBusyError(`payment ${this.inFlight.paymentId} is still in flight`);
    if (!/^[A-Za-z0-9]{1,40}$/u.test(request.requestRef)) throw new TerminalNotReachedError('invalid orderId');
    this.inFlight = { paymentId: request.paymentId, orderId: request.requestRef };
    try {
      const body: PurchaseRequest = {
        transactionType: 'purchase',
        amount: request.amountOre,
        orderId: request.requestRef,
      };
      const response = await this.call(
        'POST',
        this.terminalPath('/transaction'),
        JSON.stringify(body),
        this.options.purchaseTimeoutMs,
      );
      // 400 carries a refusal (`failure`); any other status than success says nothing of the card.
      if (response.status !== 200 && response.status !== 201 && response.status !== 400)
        throw new TerminalAnswerLostError(`Nets answered the purchase with HTTP ${response.status}`);
      const answer = transactionAnswer(response.text, 'purchase');
      this.noteTerminalAnswer(answer.kind === 'failure' ? answer.text : null);
      return this.outcomeOfAnswer(answer);
    } finally {
      this.inFlight = null;
    }
  }

  async abort(paymentId: string): Promise<void> {
    if (this.inFlight?.paymentId !== paymentId) {
      this.options.log.info({ paymentId }, 'cancel ignored: that payment is not in flight');
      return;
    }
    try {
      // Connect@Cloud's way to stop what the terminal is doing; the purchase's own answer says how it ended.
      await this.call(
        'POST',
        this.terminalPath('/administration'),
        JSON.stringify({ action: 'cancelAction' }),
        this.options.requestTimeoutMs,
      );
    } catch (error) {
      this.options.log.warn({ paymentId, error: messageOf(error) }, 'cancel could not be sent');
    }
  }

  /**
   * Connect@Cloud tells only the terminal's latest transaction. With the terminal used by this
   * kiosk alone, one purchase at a time (the deployment this driver assumes, and the one Nets
   * binds), that is enough:
   * - it names this orderId: it is this purchase;
   * - it names another orderId (Nets mirrors it for approvals): this purchase made no transaction
   *   (yet) — "not found", which the recovery takes as proof only after the in-flight window;
   * - it names none (a refusal; an approval from a backend that mirrors nothing): by its time —
   *   older than this purchase is "not found", a refusal from this purchase's time is this one's
   *   (no money moved), an approval is never taken as this one's: in progress, then staff.
   */
  async status(request: { paymentId: string; requestRef: string; sentAt?: string }): Promise<TerminalStatus> {
    const response = await this.call(
      'GET',
      this.terminalPath('/transaction'),
      undefined,
      this.options.requestTimeoutMs,
    );
    if (response.status === 404) return { state: 'not-found' }; // the terminal has no transaction at all
    if (response.status !== 200) {
      this.noteRefusal(response.text);
      throw new TerminalAnswerLostError(`Nets answered the look-up with HTTP ${response.status}`);
    }
    this.noteTerminalAnswer(null);
    const { result } = parse(LookupAnswer, response.text, 'look-up');
    const latest = result.latestTransactionResult;
    if (latest.Result === 99) return { state: 'in-progress' };
    if (result.orderId === request.requestRef)
      return { state: 'final', outcome: this.outcome(latest, receiptFromText(result.printText?.Text)) };
    if (result.orderId) return { state: 'not-found' };
    const sentAt = request.sentAt ? Date.parse(request.sentAt) : Number.NaN;
    const at = netsTime(latest.TimeStamp, this.options.timeZone)?.getTime() ?? Number.NaN;
    if (Number.isNaN(sentAt) || Number.isNaN(at)) return { state: 'in-progress' }; // cannot tell: ask again, then staff
    if (at < sentAt - CLOCK_SKEW_MS) return { state: 'not-found' };
    if (latest.Result !== 0) return { state: 'final', outcome: this.outcome(latest, null) };
    return { state: 'in-progress' };
  }

  async reverse(request: {
    paymentId: string;
    transactionRef: string;
    transactionTime: string;
    amountOre: number;
  }): Promise<ReversalOutcome> {
    // Connect@Cloud voids the terminal's *last* transaction: only when that is this one.
    const lookup = await this.call('GET', this.terminalPath('/transaction'), undefined, this.options.requestTimeoutMs);
    if (lookup.status !== 200) return { outcome: 'refused', detail: `the look-up answered HTTP ${lookup.status}` };
    const latest = parse(LookupAnswer, lookup.text, 'look-up').result.latestTransactionResult;
    if (latest.Result !== 0 || (latest.StanAuth ?? '') !== request.transactionRef)
      return {
        outcome: 'refused',
        detail: 'it is no longer the terminal’s last transaction: refund it at the terminal',
      };
    const response = await this.call(
      'DELETE',
      this.terminalPath('/transaction'),
      JSON.stringify({ amount: request.amountOre }),
      this.options.requestTimeoutMs,
    );
    if (response.status !== 200 && response.status !== 201 && response.status !== 400)
      throw new TerminalAnswerLostError(`Nets answered the void with HTTP ${response.status}`);
    const answer = transactionAnswer(response.text, 'void');
    if (answer.kind === 'result' && answer.args.Result === 0) return { outcome: 'reversed' };
    return { outcome: 'refused', detail: answer.kind === 'failure' ? answer.text : `result ${answer.args.Result}` };
  }

  /** Closes the terminal's day: administration `reconciliation` (integrators allow 60 s). */
  async reconcile(): Promise<TerminalReconciliation> {
    const response = await this.call(
      'POST',
      this.terminalPath('/administration'),
      JSON.stringify({ action: 'reconciliation' }),
      Math.max(this.options.requestTimeoutMs, 60_000),
    );
    if (response.status !== 200 && response.status !== 201) {
      this.noteRefusal(response.text);
      const refusal = failureText(response.text);
      throw new TerminalAnswerLostError(
        `Nets answered the reconciliation with HTTP ${response.status}${refusal ? `: ${refusal}` : ''}`,
      );
    }
    const { result } = parse(ReconciliationAnswer, response.text, 'reconciliation');
    const { header, printText } = result.reconciliation;
    const at = netsTime(header.timestamp, this.options.timeZone);
    return {
      at: (at ?? new Date()).toISOString(),
      session:
        header.sessionNumber === undefined || header.sessionNumber === null ? null : String(header.sessionNumber),
      lines: (receiptFromText(printText?.Text ?? result.printText?.Text ?? undefined) ?? []).map((line) => line.name),
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private outcomeOfAnswer(answer: TransactionAnswer): TerminalOutcome {
    if (answer.args?.Result === 99)
      throw new TerminalAnswerLostError('Nets says the result is unknown (99): look it up');
    if (answer.kind === 'result' || answer.args?.Result === 0)
      return this.outcome(answer.args!, receiptFromText(answer.customerReceipt));
    return { outcome: 'declined', reason: declineReason(answer.text), detail: answer.text };
  }

  /** The terminal's record as an outcome; card data cut to scheme and last four digits. */
  private outcome(args: LocalModeEventArgs, receipt: TerminalReceiptLine[] | null): TerminalOutcome {
    if (args.Result !== 0) {
      const detail = [args.ResponseCode, 'refused by the card issuer or terminal'].filter(Boolean).join(': ');
      return { outcome: 'declined', reason: 'refused', detail };
    }
    const digits = (args.TruncatedPAN ?? '').replace(/\D/gu, '');
    const at = netsTime(args.TimeStamp, this.options.timeZone);
    const ref = args.StanAuth ?? '';
    if (!ref) throw new TerminalAnswerLostError('an approval without its STAN/auth reference');
    return {
      outcome: 'approved',
      transactionRef: ref,
      transactionTime: at ? at.toISOString() : null,
      authorizedOre: args.TotalAmount ?? null,
      card: {
        scheme: args.CardIssuerName ?? null,
        last4: digits.length >= 4 ? digits.slice(-4) : null,
        approvalCode: ref,
      },
      cardholderReceipt: receipt,
    };
  }

  private terminalPath(suffix: string): string {
    return `/v1/terminal/${encodeURIComponent(this.options.terminalId)}${suffix}`;
  }

  /** One authenticated call; a 401 (token expired) logs in again once — nothing was done with it. */
  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<HttpResponse> {
    let token = await this.bearer();
    let response = await this.send(method, path, body, timeoutMs, token);
    if (response.status === 401) {
      if (this.token === token) this.token = null;
      token = await this.bearer();
      response = await this.send(method, path, body, timeoutMs, token);
      if (response.status === 401) throw new TerminalNotReachedError('Nets refused a fresh log-in token');
    }
    return response;
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    this.login ??= this.logIn().finally(() => (this.login = null));
    return this.login;
  }

  private async logIn(): Promise<string> {
    const response = await this.send(
      'POST',
      '/v1/login',
      JSON.stringify({ username: this.options.username, password: this.options.password }),
      this.options.requestTimeoutMs,
      null,
    );
    // A refused log-in sends nothing to the terminal: the payment never started.
    if (response.status !== 200 && response.status !== 201)
      throw new TerminalNotReachedError(`Nets refused the log-in (HTTP ${response.status})`);
    this.token = parse(LoginAnswer, response.text, 'log-in').token;
    this.options.log.info('Nets Connect@Cloud: logged in');
    return this.token;
  }

  private async send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: string | undefined,
    timeoutMs: number,
    token: string | null,
  ): Promise<HttpResponse> {
    try {
      return await httpExchange(this.agent, {
        method,
        url: `${this.options.baseUrl.replace(/\/$/u, '')}${path}`,
        ...(body === undefined ? {} : { body }),
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        timeoutMs,
        maxBytes: 1024 * 1024,
      });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.beforeSend)
        throw new TerminalNotReachedError(`Nets could not be reached: ${error.message}`, { cause: error });
      throw new TerminalAnswerLostError(`no answer from Nets: ${error.message}`, { cause: error });
    }
  }
}

function transactionAnswer(text: string, what: string): TransactionAnswer {
  const answer = readTransactionAnswer(readJson(text, what));
  if (!answer) throw new TerminalAnswerLostError(`Nets' ${what} answer has an unknown shape`);
  return answer;
}

function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
  const parsed = schema.safeParse(readJson(text, what));
  if (!parsed.success) throw new TerminalAnswerLostError(`Nets' ${what} answer has an unknown shape`);
  return parsed.data;
}

/** An answer that is not JSON is a lost answer: what it meant is unknown. */
function readJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TerminalAnswerLostError(`Nets' ${what} answer is not JSON`);
  }
}

/** Nets' words for a terminal the cloud cannot reach ("Invalid terminal ID or terminal not connected"). */
const NOT_CONNECTED = /not connected|offline/iu;

/** The refusal text of an answer (null when it is none). */
function failureText(text: string): string | null {
  try {
    const answer = readTransactionAnswer(JSON.parse(text));
    return answer?.kind === 'failure' ? answer.text : null;
  } catch {
    return null;
  }
}

function declineReason(text: string): DeclineReason {
  const lower = text.toLowerCase();
  if (/cancel|afbrudt|annuller/u.test(lower)) return 'cancelled';
  if (/busy|optaget|in progress/u.test(lower)) return 'busy';
  if (/card removed|kort fjernet/u.test(lower)) return 'card-removed';
  if (/offline|not connected|not available/u.test(lower)) return 'not-received';
  return 'refused';
}
