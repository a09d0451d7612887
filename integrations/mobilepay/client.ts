import { Agent } from 'undici';
import type { z } from 'zod';
import { messageOf } from '../../base/errors.js';
import { faultPoint } from '../../base/faults.js';
import { HttpFailure, httpExchange, type HttpResponse } from '../../base/http.js';
import type { Logger } from '../../base/log.js';
import {
  TerminalAnswerLostError,
  TerminalBusyError,
  TerminalNotReachedError,
  TerminalRejectedError,
  type PaymentTerminal,
  type ReversalOutcome,
  type TerminalHealth,
  type TerminalOutcome,
  type TerminalPaymentRequest,
  type TerminalProgress,
  type TerminalStatus,
} from '../../ports/payment-terminal.js';
import {
  AccessTokenAnswer,
  CreateAnswer,
  ModificationAnswer,
  PaymentAnswer,
  Problem,
  QR_LIFETIME_MS,
  REFERENCE,
  type CreatePaymentRequest,
  type ModificationRequest,
} from './wire.js';

export interface MobilePayOptions {
  /** MOBILEPAY_HOSTS.test or .production, or the sandbox's address. */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subscriptionKey: string;
  readonly merchantSerialNumber: string;
  /** `Vipps-System-Name` / `-Version`: who calls (Vipps MobilePay asks every integration to say). */
  readonly systemName: string;
  readonly systemVersion: string;
  /** CA for the API's certificate (PEM); empty: the system's CAs. */
  readonly caPem?: string;
  /** The first look after the QR is shown, then every `pollIntervalMs` (the API guide: 5 s, then 2 s). */
  readonly firstPollMs: number;
  readonly pollIntervalMs: number;
  /** How long the QR is shown before the kiosk cancels the payment. */
  readonly qrLifetimeMs?: number;
  readonly requestTimeoutMs: number;
  /** The longest a create request may take to reach Vipps MobilePay. */
  readonly maxTransitMs: number;
  /** What the borrower sees in the app. */
  readonly paymentDescription: string;
  /** Draws the QR for the screen (qrcode, in the composition: integrations stay free of it in tests). */
  readonly drawQr: (content: string) => Promise<string>;
  readonly log: Logger;
  /** The kiosk's clock (tests). */
  readonly now?: () => number;
}

interface InFlight {
  readonly paymentId: string;
  readonly reference: string;
  aborted: boolean;
  wake: () => void;
}

/**
 * MobilePay at the kiosk: a one-time QR payment through Vipps MobilePay's ePayment API, behind the
 * same port as a card terminal, with the same guarantees. The payment's reference is the kiosk's
 * payment id, written to the journal (`authorizing`) before the create call and sent as its
 * Idempotency-Key, so a create retried after a lost answer can never make a second payment. The
 * borrower scans the QR and approves in the app (AUTHORIZED: reserved); the kiosk then captures
 * (its own key) and only a capture is an approval. A payment the kiosk is unsure of is looked up
 * by its reference — never created again — and finished: captured if the borrower approved it,
 * cancelled if the QR is no longer on screen.
 */
export class MobilePayPayments implements PaymentTerminal {
  private readonly agent: Agent;
  private token: { value: string; until: number } | null = null;
  private fetching: Promise<string> | null = null;
  private inFlight: InFlight | null = null;

  constructor(private readonly options: MobilePayOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 4,
      ...(options.caPem ? { connect: { ca: options.caPem } } : {}),
    });
  }

  /**
   * Money moves only when a borrower approves a QR, and a QR is shown only after the create was
   * answered — by then the payment exists and a look-up finds it. So "not found" once a create has
   * had time to arrive means no QR was ever shown: a create still stalled on the wire would make a
   * payment nobody can approve, which expires by itself.
   */
  get inFlightWindowMs(): number {
    return this.options.maxTransitMs;
  }

  private get qrLifetimeMs(): number {
    return this.options.qrLifetimeMs ?? QR_LIFETIME_MS;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The payment id itself (the API's reference pattern fits a UUID). */
  newRequestRef(paymentId?: string): string {
    if (!paymentId || !REFERENCE.test(paymentId)) throw new Error('a MobilePay reference is the payment id');
    return paymentId;
  }

  /** An access token proves the credentials, the subscription key and the merchant serial number. */
  async health(): Promise<TerminalHealth> {
    try {
      await this.bearer();
      return { available: true };
    } catch (error) {
      const detail = messageOf(error);
      if (error instanceof TerminalRejectedError) return { available: false, reason: 'not-configured', detail };
      return { available: false, reason: 'unreachable', detail };
    }
  }

  async pay(
    request: TerminalPaymentRequest,
    onProgress?: (progress: TerminalProgress) => void,
  ): Promise<TerminalOutcome> {
    if (this.inFlight) throw new TerminalBusyError(`payment ${this.inFlight.paymentId} is still in flight`);
    const reference = request.requestRef;
    const flight: InFlight = { paymentId: request.paymentId, reference, aborted: false, wake: () => {} };
    this.inFlight = flight;
    try {
      const body: CreatePaymentRequest = {
        amount: { currency: 'DKK', value: request.amountOre },
        paymentMethod: { type: 'WALLET' },
        reference,
        userFlow: 'QR',
        qrFormat: { format: 'TEXT/TARGETURL' },
        customerInteraction: 'CUSTOMER_PRESENT',
        paymentDescription: this.options.paymentDescription,
      };
      const response = await this.call('POST', '/epayment/v1/payments', JSON.stringify(body), reference);
      if (response.status === 400 || response.status === 403 || response.status === 422)
        // Refused as asked: no payment exists, no money can move.
        throw new TerminalRejectedError(`MobilePay refused the payment: ${problemText(response)}`);
      // Anything else (409 included: the reference exists, so an earlier create got through) is for
      // the look-up to settle, which finishes the payment whatever state it is in.
      if (response.status !== 201 && response.status !== 200)
        throw new TerminalAnswerLostError(`MobilePay answered the create with HTTP ${response.status}`);
      const created = parse(CreateAnswer, response.text, 'create');
      if (!created.redirectUrl) throw new TerminalAnswerLostError('MobilePay sent no QR for the payment');
      const shownAt = this.now();
      const expiresAt = new Date(shownAt + this.qrLifetimeMs).toISOString();
      if (!flight.aborted)
        onProgress?.({ step: 'present-card', qr: { svg: await this.options.drawQr(created.redirectUrl), expiresAt } });
      return await this.await(flight, request.amountOre, shownAt + this.qrLifetimeMs);
    } finally {
      this.inFlight = null;
    }
  }

  /** Polls until the borrower answers or the QR expires, then finishes the payment. */
  private async await(flight: InFlight, amountOre: number, expiresAt: number): Promise<TerminalOutcome> {
    let wait = this.options.firstPollMs;
    let lastError: unknown = null;
    for (;;) {
      await this.sleep(flight, wait);
      wait = this.options.pollIntervalMs;
      let payment: PaymentAnswer;
      try {
        payment = await this.get(flight.reference);
      } catch (error) {
        // A look that failed says nothing: look again until the QR's time is up, then recovery asks.
        lastError = error;
        if (this.now() > expiresAt + this.options.maxTransitMs)
          throw new TerminalAnswerLostError(`MobilePay could not be asked: ${messageOf(lastError)}`);
        continue;
      }
      if (payment.state === 'CREATED') {
        if (!flight.aborted && this.now() < expiresAt) continue;
        // Cancelled on the screen, or the QR's time is up: nobody may pay it any more.
        payment = await this.cancel(flight.reference);
      }
      if (payment.state === 'AUTHORIZED' && flight.aborted && payment.aggregate.capturedAmount.value === 0)
        // Approved in the app as the borrower cancelled on the screen: the cancel wins, nothing is taken.
        payment = await this.cancel(flight.reference);
      return this.finish(payment, amountOre, flight.aborted ? 'aborted' : 'expired');
    }
  }

  /**
   * A payment's final word: captured → approved; approved in the app and not yet captured → capture
   * now (its own idempotency key: a capture retried is never a second capture); otherwise declined.
   */
  private async finish(
    payment: PaymentAnswer,
    amountOre: number,
    ended: 'aborted' | 'expired',
  ): Promise<TerminalOutcome> {
    const { aggregate } = payment;
    if (
      payment.state === 'AUTHORIZED' &&
      aggregate.capturedAmount.value === 0 &&
      aggregate.cancelledAmount.value === 0
    ) {
      faultPoint('mobilepay.after-authorized');
      payment = await this.capture(payment.reference, aggregate.authorizedAmount.value || amountOre);
    }
    const captured = payment.aggregate.capturedAmount.value;
    if (captured > 0)
      return {
        outcome: 'approved',
        transactionRef: payment.pspReference,
        transactionTime: new Date(this.now()).toISOString(),
        authorizedOre: captured,
        card: { scheme: 'MobilePay', last4: null, approvalCode: null },
        cardholderReceipt: null,
      };
    switch (payment.state) {
      case 'ABORTED':
        return { outcome: 'declined', reason: 'cancelled', detail: 'the borrower declined in the MobilePay app' };
      case 'EXPIRED':
        return { outcome: 'declined', reason: 'expired', detail: 'the QR code expired before it was approved' };
      case 'TERMINATED':
        return ended === 'aborted'
          ? { outcome: 'declined', reason: 'aborted', detail: 'cancelled on the kiosk' }
          : { outcome: 'declined', reason: 'expired', detail: 'the QR code expired before it was approved' };
      default:
        throw new TerminalAnswerLostError(`MobilePay left the payment ${payment.state}`);
    }
  }

  /** Borrower pressed cancel, or the screen was reset: the running payment is cancelled. */
  async abort(paymentId: string): Promise<void> {
    const flight = this.inFlight;
    if (flight?.paymentId !== paymentId) return;
    flight.aborted = true;
    flight.wake();
  }

  /**
   * What became of a payment the kiosk is unsure of, by its reference — and finished: a payment
   * still waiting (its QR no longer on any screen) is cancelled; one approved in the app is captured.
   */
  async status(request: { paymentId: string; requestRef: string }): Promise<TerminalStatus> {
    if (this.inFlight?.reference === request.requestRef) return { state: 'in-progress' };
    const response = await this.call('GET', `/epayment/v1/payments/${encodeURIComponent(request.requestRef)}`);
    if (response.status === 404) return { state: 'not-found' };
    if (response.status !== 200)
      throw new TerminalAnswerLostError(`MobilePay answered the look-up with HTTP ${response.status}`);
    let payment = parse(PaymentAnswer, response.text, 'look-up');
    if (payment.state === 'CREATED') payment = await this.cancel(payment.reference);
    return { state: 'final', outcome: await this.finish(payment, payment.amount.value, 'expired') };
  }

  /** Staff void: the money goes back to the borrower (refund; a reservation not taken is cancelled). */
  async reverse(request: {
    paymentId: string;
    transactionRef: string;
    transactionTime: string;
    amountOre: number;
  }): Promise<ReversalOutcome> {
    const reference = request.paymentId; // newRequestRef: the reference is the payment id
    const payment = await this.get(reference);
    const captured = payment.aggregate.capturedAmount.value - payment.aggregate.refundedAmount.value;
    if (captured <= 0) {
      if (payment.state === 'AUTHORIZED') await this.cancel(reference);
      return { outcome: 'reversed' };
    }
    const body: ModificationRequest = { modificationAmount: { currency: 'DKK', value: captured } };
    const response = await this.call(
      'POST',
      `/epayment/v1/payments/${encodeURIComponent(reference)}/refund`,
      JSON.stringify(body),
      `${reference}-refund`,
    );
    if (response.status === 200) return { outcome: 'reversed' };
    if (response.status >= 400 && response.status < 500) return { outcome: 'refused', detail: problemText(response) };
    throw new TerminalAnswerLostError(`MobilePay answered the refund with HTTP ${response.status}`);
  }

  async close(): Promise<void> {
    this.inFlight?.wake();
    await this.agent.close();
  }

  private async get(reference: string): Promise<PaymentAnswer> {
    const response = await this.call('GET', `/epayment/v1/payments/${encodeURIComponent(reference)}`);
    if (response.status !== 200)
      throw new TerminalAnswerLostError(`MobilePay answered the look-up with HTTP ${response.status}`);
    return parse(PaymentAnswer, response.text, 'look-up');
  }

  private async capture(reference: string, amountOre: number): Promise<PaymentAnswer> {
    const body: ModificationRequest = { modificationAmount: { currency: 'DKK', value: amountOre } };
    return this.modify('capture', reference, JSON.stringify(body));
  }

  private async cancel(reference: string): Promise<PaymentAnswer> {
    return this.modify('cancel', reference, undefined);
  }

  /**
   * Capture and cancel, retried with the same idempotency key while the answer is lost (the API
   * does it once whatever the number of tries); a refusal re-reads the payment as it now is.
   */
  private async modify(action: 'capture' | 'cancel', reference: string, body: string | undefined) {
    const path = `/epayment/v1/payments/${encodeURIComponent(reference)}/${action}`;
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await this.call('POST', path, body, `${reference}-${action}`);
        if (response.status === 200) return parse(ModificationAnswer, response.text, action);
        // Refused (e.g. a cancel that came after the borrower approved, or the reverse): what is it now?
        if (response.status === 400 || response.status === 409) return await this.get(reference);
        lastError = new Error(`HTTP ${response.status}`);
      } catch (error) {
        const retryable =
          error instanceof TerminalAnswerLostError ||
          (error instanceof TerminalNotReachedError && !(error instanceof TerminalRejectedError));
        if (!retryable) throw error;
        lastError = error;
      }
    }
    throw new TerminalAnswerLostError(`MobilePay's ${action} of ${reference} is unknown: ${messageOf(lastError)}`);
  }

  private sleep(flight: InFlight, ms: number): Promise<void> {
    if (flight.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      flight.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** One API call with the token (renewed once on 401) and every header the API asks for. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    idempotencyKey?: string,
  ): Promise<HttpResponse> {
    let token = await this.bearer();
    let response = await this.send(method, path, body, token, idempotencyKey);
    if (response.status === 401) {
      if (this.token?.value === token) this.token = null;
      token = await this.bearer();
      response = await this.send(method, path, body, token, idempotencyKey);
      if (response.status === 401) throw new TerminalRejectedError('MobilePay refused a fresh access token');
    }
    return response;
  }

  private async bearer(): Promise<string> {
    if (this.token && this.token.until > this.now()) return this.token.value;
    this.fetching ??= this.fetchToken().finally(() => (this.fetching = null));
    return this.fetching;
  }

  private async fetchToken(): Promise<string> {
    const o = this.options;
    const response = await this.exchange('POST', '/accesstoken/get', undefined, {
      client_id: o.clientId,
      client_secret: o.clientSecret,
      'ocp-apim-subscription-key': o.subscriptionKey,
      'merchant-serial-number': o.merchantSerialNumber,
    });
    if (response.status === 401 || response.status === 403)
      throw new TerminalRejectedError(`MobilePay refused the credentials (HTTP ${response.status})`);
    if (response.status !== 200)
      throw new TerminalNotReachedError(`MobilePay's token service answered HTTP ${response.status}`);
    const answer = parse(AccessTokenAnswer, response.text, 'access token');
    // Renewed a minute early: a token never runs out in the middle of a payment's calls.
    const lifetimeMs = Math.max(answer.expires_in * 1000 - 60_000, 10_000);
    this.token = { value: answer.access_token, until: this.now() + lifetimeMs };
    return answer.access_token;
  }

  private send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    token: string,
    idempotencyKey: string | undefined,
  ): Promise<HttpResponse> {
    const o = this.options;
    return this.exchange(method, path, body, {
      authorization: `Bearer ${token}`,
      'ocp-apim-subscription-key': o.subscriptionKey,
      'merchant-serial-number': o.merchantSerialNumber,
      'vipps-system-name': o.systemName,
      'vipps-system-version': o.systemVersion,
      'vipps-system-plugin-name': 'library-payment-kiosk',
      'vipps-system-plugin-version': o.systemVersion,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    });
  }

  private async exchange(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    try {
      return await httpExchange(this.agent, {
        method,
        url: `${this.options.baseUrl.replace(/\/$/u, '')}${path}`,
        headers,
        // Every POST carries a JSON body (cancel's is empty): the API reads the content type.
        ...(body === undefined ? (method === 'POST' ? { body: '{}' } : {}) : { body }),
        timeoutMs: this.options.requestTimeoutMs,
        maxBytes: 256 * 1024,
      });
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      if (error.beforeSend)
        throw new TerminalNotReachedError(`MobilePay could not be reached: ${error.message}`, { cause: error });
      throw new TerminalAnswerLostError(`no answer from MobilePay: ${error.message}`, { cause: error });
    }
  }
}

function parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TerminalAnswerLostError(`MobilePay's ${what} answer is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new TerminalAnswerLostError(`MobilePay's ${what} answer has an unknown shape`);
  return parsed.data;
}

/** A problem answer's words, for people (journal, staff view). */
function problemText(response: HttpResponse): string {
  try {
    const p = Problem.parse(JSON.parse(response.text));
    return [p.title, p.detail].filter(Boolean).join(': ').slice(0, 300) || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
