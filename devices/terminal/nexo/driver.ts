import { PredefinedContentHelper } from '@adyen/api-library/lib/src/utils/tapi/predefinedContentHelper.js';
import { randomInt } from 'node:crypto';
import { Agent } from 'undici';
import { kronerNumberToOre, oreToKronerText } from '../../../contract/money.js';
import { HttpFailure, httpExchange } from '../../../base/http.js';
import type { Logger } from '../../../base/log.js';
import {
  TerminalAnswerLostError,
  TerminalBusyError,
  TerminalNotReachedError,
  TerminalRejectedError,
  type DeclineReason,
  type PaymentTerminal,
  type ReversalOutcome,
  type TerminalHealth,
  type TerminalOutcome,
  type TerminalPaymentRequest,
  type TerminalProgress,
  type TerminalStatus,
  type TerminalStep,
} from '../../../ports/payment-terminal.js';
import { NexoMessageError, plainCodec, type NexoCodec } from './codec.js';
import {
  requestHeader,
  SaleToPOIResponse,
  TerminalNotification,
  type MessageCategory,
  type PaymentResponseBody,
} from './messages.js';
import { messageOf } from '../../../base/errors.js';
import { checkAdyenTerminalIdentity } from './terminal-identity.js';
import { readAdditionalResponse } from './additional-response.js';
import { readCardholderReceipt } from './card-receipt.js';

export interface NexoTerminalOptions {
  /** The terminal's Terminal API address, e.g. https://192.168.1.40:8443/nexo. */
  readonly url: string;
  /** The terminal's id, "[model]-[serial]", e.g. V400m-324688179. */
  readonly poiId: string;
  /** This kiosk's id towards the terminal. */
  readonly saleId: string;
  readonly codec: NexoCodec;
  /** CA that signed the terminal's certificate (PEM); empty: the system's CAs. */
  readonly caPem?: string;
  /** How long the terminal itself waits for the borrower before it gives up (about 120 s). */
  readonly terminalTimeoutMs: number;
  /** How long we wait for a payment's answer; must be longer than the terminal's own timeout. */
  readonly clientTimeoutMs: number;
  /** Time limit for the short requests (status, abort, login, reversal). */
  readonly requestTimeoutMs: number;
  /**
   * The longest a request we sent may take to reach the terminal (a stalled network, a request
   * still in a dead kiosk's socket buffers). With the terminal's own timeout it bounds how long
   * "not found" proves nothing (PaymentTerminal.inFlightWindowMs).
   */
  readonly maxTransitMs: number;
  readonly log: Logger;
}

const SERVICE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 10 random alphanumerics: 62^10 values, so unique per terminal for 48 hours in practice. */
export function newServiceId(): string {
  let id = '';
  for (let i = 0; i < 10; i++) id += SERVICE_ID_ALPHABET[randomInt(SERVICE_ID_ALPHABET.length)];
  return id;
}

interface InFlight {
  readonly paymentId: string;
  readonly serviceId: string;
  readonly onProgress: (progress: TerminalProgress) => void;
}

/**
 * A card terminal over nexo (Adyen's local Terminal API: nexo JSON over HTTPS). The rules that
 * keep money safe are here: one payment in flight; our timeout outlives the terminal's; a lost
 * answer is never answered by a second PaymentRequest (the caller asks `status`); abort names
 * the ServiceID of the payment in flight and nothing else.
 */
export class NexoTerminal implements PaymentTerminal {
  private readonly agent: Agent;
  private inFlight: InFlight | null = null;

  constructor(private readonly options: NexoTerminalOptions) {
    // The configuration asks for a margin of seconds (config/config.ts); here the rule itself.
    if (options.clientTimeoutMs <= options.terminalTimeoutMs) {
      throw new Error(
        `the payment timeout (${options.clientTimeoutMs} ms) must be longer than the terminal's own (${options.terminalTimeoutMs} ms)`,
      );
    }
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connections: 4,
      // Adyen's name check (terminal-identity.ts), not the host name's: terminals are reached by IP.
      connect: {
        ...(options.caPem ? { ca: options.caPem } : {}),
        checkServerIdentity: checkAdyenTerminalIdentity(options.poiId),
      },
    });
  }

  get inFlightWindowMs(): number {
    return this.options.maxTransitMs + this.options.terminalTimeoutMs;
  }

  newRequestRef(): string {
    return newServiceId();
  }

  /**
   * Adyen's terminal status request (DiagnosisRequest, "Check terminal status" in Adyen's docs):
   * the terminal's global state and, with HostDiagnosisFlag, whether it reaches its acquirer. A
   * terminal busy with a payment can still take ours next; one in maintenance, or that reaches no
   * acquirer, cannot. No Login: Adyen terminals need none, and a LoginRequest every 30 seconds
   * would be a certified sale system's job (SaleSoftware.CertificationCode).
   */
  async health(): Promise<TerminalHealth> {
    try {
      const response = await this.exchange('Diagnosis', newServiceId(), {
        DiagnosisRequest: { HostDiagnosisFlag: true },
      });
      const diagnosis = response.SaleToPOIResponse.DiagnosisResponse;
      if (!diagnosis) return { available: false, reason: 'error', detail: 'the terminal sent no DiagnosisResponse' };
      if (diagnosis.Response.Result !== 'Success') {
        const condition = diagnosis.Response.ErrorCondition ?? 'no reason';
        if (condition === 'LoggedOut')
          return { available: false, reason: 'logged-out', detail: 'the terminal is logged out' };
        return { available: false, reason: 'error', detail: `status refused: ${condition}` };
      }
      const status = diagnosis.POIStatus?.GlobalStatus ?? 'OK';
      if (status === 'Maintenance' || status === 'Unreachable')
        return { available: false, reason: 'out-of-service', detail: `the terminal reports ${status}` };
      const hosts = diagnosis.HostStatus ?? [];
      if (hosts.length > 0 && !hosts.some((host) => host.IsReachableFlag === true))
        return { available: false, reason: 'out-of-service', detail: 'the terminal cannot reach its acquirer' };
      return { available: true };
    } catch (error) {
      const detail = messageOf(error);
      if (error instanceof TerminalNotReachedError || error instanceof TerminalAnswerLostError)
        return { available: false, reason: 'unreachable', detail };
      return { available: false, reason: 'error', detail };
    }
  }

  async pay(
    request: TerminalPaymentRequest,
    onProgress: (progress: TerminalProgress) => void = () => {},
  ): Promise<TerminalOutcome> {
    if (this.inFlight) throw new TerminalBusyError(`payment ${this.inFlight.paymentId} is still in flight`);
    if (!/^[A-Za-z0-9]{1,10}$/.test(request.requestRef)) throw new TerminalNotReachedError('invalid ServiceID');
    this.inFlight = { paymentId: request.paymentId, serviceId: request.requestRef, onProgress };
    try {
      const response = await this.exchange(
        'Payment',
        request.requestRef,
        {
          PaymentRequest: {
            SaleData: { SaleTransactionID: { TransactionID: request.paymentId, TimeStamp: new Date().toISOString() } },
            PaymentTransaction: {
              AmountsReq: { Currency: request.currency, RequestedAmount: Number(oreToKronerText(request.amountOre)) },
            },
          },
        },
        this.options.clientTimeoutMs,
      );
      const payment = response.SaleToPOIResponse.PaymentResponse;
      if (!payment) throw new TerminalAnswerLostError('the answer holds no PaymentResponse');
      return paymentOutcome(payment, request.paymentId);
    } finally {
      this.inFlight = null;
    }
  }

  async abort(paymentId: string): Promise<void> {
    const target = this.inFlight;
    if (!target || target.paymentId !== paymentId) {
      this.options.log.info({ paymentId }, 'abort ignored: that payment is not in flight');
      return;
    }
    try {
      // nexo gives no answer to an abort: the payment's own response says how it ended.
      await this.send('Abort', newServiceId(), {
        AbortRequest: {
          MessageReference: {
            MessageCategory: 'Payment',
            ServiceID: target.serviceId,
            SaleID: this.options.saleId,
            POIID: this.options.poiId,
          },
          AbortReason: 'MerchantAbort',
        },
      });
    } catch (error) {
      this.options.log.warn({ paymentId, error: messageOf(error) }, 'abort could not be sent');
    }
  }

  async status(request: { paymentId: string; requestRef: string }): Promise<TerminalStatus> {
    const response = await this.exchange('TransactionStatus', newServiceId(), {
      TransactionStatusRequest: {
        MessageReference: { MessageCategory: 'Payment', SaleID: this.options.saleId, ServiceID: request.requestRef },
      },
    });
    const status = response.SaleToPOIResponse.TransactionStatusResponse;
    if (!status) throw new NexoMessageError('malformed', 'the answer holds no TransactionStatusResponse');
    if (status.Response.Result === 'Success') {
      const repeated = status.RepeatedMessageResponse?.RepeatedResponseMessageBody.PaymentResponse;
      if (!repeated) throw new NexoMessageError('malformed', 'a successful status holds no repeated PaymentResponse');
      // Whose answer it is: the repeated header's ServiceID when the terminal sends the header
      // (Adyen's models do not require it); always the sale transaction id (paymentOutcome).
      const repeatedHeader = status.RepeatedMessageResponse!.MessageHeader;
      if (repeatedHeader?.ServiceID !== undefined && repeatedHeader.ServiceID !== request.requestRef)
        throw new NexoMessageError('malformed', 'the repeated response belongs to another request');
      return { state: 'final', outcome: paymentOutcome(repeated, request.paymentId) };
    }
    const condition = status.Response.ErrorCondition;
    if (condition === 'InProgress' || condition === 'Busy') return { state: 'in-progress' };
    if (condition === 'NotFound') return { state: 'not-found' };
    throw new NexoMessageError('malformed', `unexpected status answer: ${condition ?? 'no condition'}`);
  }

  async reverse(request: {
    paymentId: string;
    transactionRef: string;
    transactionTime: string;
    amountOre: number;
  }): Promise<ReversalOutcome> {
    // nexo names a POI transaction by its id and the terminal's own time stamp for it, both as
    // the terminal gave them in the payment's answer.
    const response = await this.exchange('Reversal', newServiceId(), {
      ReversalRequest: {
        OriginalPOITransaction: {
          POITransactionID: { TransactionID: request.transactionRef, TimeStamp: request.transactionTime },
        },
        ReversalReason: 'MerchantCancel',
      },
    });
    const reversal = response.SaleToPOIResponse.ReversalResponse;
    if (!reversal) throw new NexoMessageError('malformed', 'the answer holds no ReversalResponse');
    if (reversal.Response.Result === 'Success') return { outcome: 'reversed' };
    return { outcome: 'refused', detail: reversal.Response.ErrorCondition ?? 'no reason given' };
  }

  /**
   * A display or event notification the terminal sent to our notification listener. Display
   * steps go to the payment in flight; anything that fails the key check is dropped.
   */
  handleNotification(body: string): void {
    let message: TerminalNotification;
    try {
      message = this.options.codec.decode('SaleToPOIRequest', body, TerminalNotification);
    } catch (error) {
      this.options.log.warn({ error: messageOf(error) }, 'terminal notification refused');
      return;
    }
    const { MessageHeader: header, DisplayRequest: display, EventNotification: event } = message.SaleToPOIRequest;
    if (header.POIID !== this.options.poiId) return;
    if (event) this.options.log.info({ event: event.EventToNotify }, 'terminal event');
    const target = this.inFlight;
    if (!display || !target) return;
    for (const output of display.DisplayOutput) {
      const referenceId = output.OutputContent.PredefinedContent?.ReferenceID;
      const step = referenceId ? STEP_FOR_EVENT[new PredefinedContentHelper(referenceId).getEvent() ?? ''] : undefined;
      if (!step) continue;
      const text = output.OutputContent.OutputText?.map((t) => t.Text).join(' ');
      target.onProgress(text ? { step, text } : { step });
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** One request and its parsed answer. */
  private async exchange(
    category: MessageCategory,
    serviceId: string,
    body: object,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<SaleToPOIResponse> {
    const text = await this.send(category, serviceId, body, timeoutMs);
    let response: SaleToPOIResponse;
    try {
      response = this.options.codec.decode('SaleToPOIResponse', text, SaleToPOIResponse);
    } catch (error) {
      const rejected = this.rejection(text);
      if (rejected !== null) {
        this.options.log.error({ category, serviceId, reason: rejected }, 'terminal rejected the request');
        throw new TerminalRejectedError(`the terminal rejected the request: ${rejected}`, { cause: error });
      }
      if (error instanceof NexoMessageError) {
        this.options.log.error(
          { category, serviceId, kind: error.kind, error: error.message },
          'terminal answer refused',
        );
        throw new TerminalAnswerLostError(`the terminal's answer was refused (${error.kind}): ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    const header = response.SaleToPOIResponse.MessageHeader;
    if (header.ServiceID !== serviceId || header.POIID !== this.options.poiId || header.MessageCategory !== category) {
      throw new TerminalAnswerLostError(
        `the answer belongs to another request (${header.MessageCategory} ${header.ServiceID ?? '?'} from ${header.POIID})`,
      );
    }
    return response;
  }

  /**
   * The terminal's reason when the text is its Reject notice: Adyen answers a message it will not
   * process (a wrong key, an unreadable body) not with a response but with an EventNotification
   * "Reject", sent in the clear when it could not use our key. Null when the text is anything else.
   */
  private rejection(text: string): string | null {
    for (const codec of [this.options.codec, plainCodec()]) {
      try {
        const event = codec.decode('SaleToPOIRequest', text, TerminalNotification).SaleToPOIRequest.EventNotification;
        if (event?.EventToNotify !== 'Reject') continue;
        const details = readAdditionalResponse(event.EventDetails);
        return (details.get('message') ?? event.EventDetails ?? 'no reason given').slice(0, 500);
      } catch {
        // not this form
      }
    }
    return null;
  }

  private async send(
    category: MessageCategory,
    serviceId: string,
    body: object,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<string> {
    const header = requestHeader({ category, serviceId, saleId: this.options.saleId, poiId: this.options.poiId });
    const message = { SaleToPOIRequest: { MessageHeader: header, ...body } };
    const started = performance.now();
    try {
      const response = await httpExchange(this.agent, {
        method: 'POST',
        url: this.options.url,
        body: this.options.codec.encode('SaleToPOIRequest', message, header),
        timeoutMs,
        maxBytes: 1024 * 1024,
      });
      if (response.status !== 200) throw new TerminalAnswerLostError(`the terminal answered HTTP ${response.status}`);
      return response.text;
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      const ms = Math.round(performance.now() - started);
      if (error.beforeSend) {
        this.options.log.warn({ category, serviceId, ms, error: error.message }, 'terminal not reached');
        throw new TerminalNotReachedError(`the terminal could not be reached: ${error.message}`, { cause: error });
      }
      this.options.log.error({ category, serviceId, ms, error: error.message }, 'terminal answer lost');
      throw new TerminalAnswerLostError(`no answer from the terminal: ${error.message}`, { cause: error });
    }
  }
}

const STEP_FOR_EVENT: Readonly<Record<string, TerminalStep>> = {
  TENDER_CREATED: 'present-card',
  CARD_INSERTED: 'card-read',
  CARD_PRESENTED: 'card-read',
  CARD_SWIPED: 'card-read',
  WAIT_FOR_APP_SELECTION: 'choose-application',
  APPLICATION_SELECTED: 'card-read',
  WAIT_FOR_PIN: 'enter-pin',
  PIN_ENTERED: 'pin-entered',
  CARD_REMOVED: 'card-removed',
  TENDER_FINAL: 'finished',
};

const DECLINE_FOR_CONDITION: Readonly<Record<string, DeclineReason>> = {
  Refusal: 'refused',
  NotAllowed: 'refused',
  PaymentRestriction: 'refused',
  InvalidCard: 'refused',
  Cancel: 'cancelled',
  Aborted: 'aborted',
  WrongPIN: 'wrong-pin',
  WrongPin: 'wrong-pin',
  Busy: 'busy',
  InProgress: 'busy',
  LoggedOut: 'logged-out',
};

/** The PaymentResponse as an outcome; card data reduced to scheme and last four digits. */
export function paymentOutcome(payment: PaymentResponseBody, paymentId: string): TerminalOutcome {
  if (payment.SaleData.SaleTransactionID.TransactionID !== paymentId) {
    throw new TerminalAnswerLostError('the answer is for another sale transaction');
  }
  const response = payment.Response;
  if (response.Result === 'Failure') {
    const condition = response.ErrorCondition ?? '';
    const additional = readAdditionalResponse(response.AdditionalResponse);
    const reason: DeclineReason =
      additional.get('refusalReason') === 'CARD_REMOVED'
        ? 'card-removed'
        : (DECLINE_FOR_CONDITION[condition] ?? 'other');
    const detail = additional.get('message') ?? additional.get('refusalReason') ?? condition;
    return detail ? { outcome: 'declined', reason, detail } : { outcome: 'declined', reason };
  }
  // Success, or Partial (an approval of less than asked): money moved either way. The amount is
  // reported so the checkout can tell the two apart.
  const result = payment.PaymentResult;
  const card = result?.PaymentInstrumentData?.CardData;
  const digits = (card?.MaskedPan ?? '').replace(/\D/g, '');
  const amounts = result?.AmountsResp;
  // An amount we cannot compare is not guessed at: the answer is refused, the payment stays in
  // doubt, and if the terminal keeps saying it, staff decide.
  if (amounts && amounts.Currency !== 'DKK') {
    throw new NexoMessageError('malformed', `the terminal authorised an amount in ${amounts.Currency}`);
  }
  if (response.Result === 'Partial' && !amounts) {
    throw new NexoMessageError('malformed', 'a partial approval without the authorised amount');
  }
  return {
    outcome: 'approved',
    transactionRef: payment.POIData.POITransactionID.TransactionID,
    transactionTime: payment.POIData.POITransactionID.TimeStamp,
    authorizedOre: amounts ? kronerNumberToOre(amounts.AuthorizedAmount) : null,
    card: {
      scheme: card?.PaymentBrand ?? null,
      last4: digits.length >= 4 ? digits.slice(-4) : null,
      approvalCode: result?.PaymentAcquirerData?.ApprovalCode ?? null,
    },
    cardholderReceipt: readCardholderReceipt(payment.PaymentReceipt),
  };
}
