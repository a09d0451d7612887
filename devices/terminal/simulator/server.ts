import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { kronerNumberToOre } from '../../../contract/money.js';
import { closeNow, readRequestBody } from '../../../base/loopback-server.js';
import { createCertificateAuthority, keptCertificateAuthority } from '../../../base/sandbox-pki.js';
import { adyenTerminalName } from '../nexo/terminal-identity.js';
import { basicHeader } from '../nexo/notifications.js';
import { encryptedCodec, NexoMessageError, plainCodec, type NexoCodec } from '../nexo/codec.js';
import type { NexoKey } from '../nexo/crypto.js';
import { PROTOCOL_VERSION, SaleToPOIRequest, type MessageCategory, type MessageHeader } from '../nexo/messages.js';
import { messageOf } from '../../../base/errors.js';

/**
 * A card terminal on loopback that speaks the same protocol as a real one (nexo JSON over
 * HTTPS, NexoBlob encryption, display notifications), for the demo and the tests. Its ledger,
 * keyed like a real terminal's by (POIID, SaleID, ServiceID), is the truth a test checks the
 * kiosk against: which requests arrived and which payments captured money.
 *
 * What happens to a payment is chosen per request: the next queued scenario (control endpoint),
 * else by the amount's øre (for the demo; see SCENARIO_FOR_ORE).
 */
export const SCENARIOS = [
  'approve',
  'decline',
  'cancel', // the borrower presses cancel on the terminal
  'card-removed', // the card is pulled out before the payment finished
  'busy', // the terminal is busy and refuses at once
  'slow', // the acquirer is slow and the kiosk's connection is lost meanwhile; approves within the terminal's limit
  'drop', // approves, then the connection drops before the answer is sent
  'wait-for-pin', // waits at "enter PIN" until aborted or the terminal's own timeout
  'display-sequence', // approves after the long display sequence (application choice, receipt)
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Demo: amounts ending in these øre pick a scenario; every other amount is approved. */
export const SCENARIO_FOR_ORE: Readonly<Record<number, Scenario>> = {
  1: 'decline',
  2: 'cancel',
  3: 'card-removed',
  4: 'busy',
  5: 'slow',
  6: 'drop',
  7: 'wait-for-pin',
};

export interface SimulatorTiming {
  /** Pause between display steps (card read, PIN…). */
  readonly stepMs: number;
  /** The terminal's own timeout for a payment waiting for the borrower. */
  readonly terminalTimeoutMs: number;
  /**
   * How long `slow` keeps the payment in progress before approving: less than the terminal's own
   * timeout, as at a real terminal (Adyen ends a payment at its limit, about 120 s).
   */
  readonly slowMs: number;
}

export interface SimulatorOptions {
  readonly poiId?: string;
  /** The shared terminal key; absent: the lab variant without encryption. */
  readonly key?: NexoKey;
  readonly timing?: Partial<SimulatorTiming>;
  /** Keep the simulator's throwaway CA and certificate here between starts (the demo's data folder). */
  readonly keepKeysIn?: string;
}

export interface LedgerEntry {
  readonly key: string;
  readonly poiId: string;
  readonly saleId: string;
  readonly serviceId: string;
  readonly category: MessageCategory;
  readonly receivedAt: string;
  /** Payments: our payment id, the amount, and how it ended. */
  saleTransactionId?: string;
  amountOre?: number;
  scenario?: Scenario;
  state: 'in-progress' | 'final' | 'rejected';
  result?: 'Success' | 'Failure';
  errorCondition?: string;
  poiTransactionId?: string;
  /** The terminal's time stamp for that transaction: a reversal must name it with the id. */
  poiTimeStamp?: string;
  /** Money was taken from the card (and not given back). */
  captured: boolean;
  reversed: boolean;
  /** Abort: the ServiceID it named, and whether that was the payment in flight. */
  abortTarget?: string;
  abortHit?: boolean;
  response?: Record<string, unknown>;
}

const DEFAULT_TIMING: SimulatorTiming = { stepMs: 400, terminalTimeoutMs: 120_000, slowMs: 20_000 };

const ControlScenario = z
  .object({ scenario: z.enum(SCENARIOS), count: z.number().int().min(1).max(1000).default(1) })
  .strict();
const ControlState = z
  .object({
    loggedOut: z.boolean().optional(),
    /** The user name and password configured for the notification URL (sent as HTTP Basic). */
    notificationUsername: z.string().max(200).optional(),
    notificationPassword: z.string().max(200).optional(),
    /** The notification listener's certificate, when it is HTTPS (what the terminal trusts). */
    notificationCaPem: z.string().max(20_000).optional(),
    /** The terminal is in maintenance (an update, a key download): it takes no payment. */
    maintenance: z.boolean().optional(),
    /** The terminal reaches its acquirer: without, it takes no payment (never offline). */
    acquirerReachable: z.boolean().optional(),
    notificationUrl: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).optional(),
    tamperNextResponse: z.boolean().optional(),
    /** The terminal refuses reversals (as one does after its day was closed, or for a lost link to the acquirer). */
    refuseReversals: z.boolean().optional(),
  })
  .strict();

interface Running {
  readonly entry: LedgerEntry;
  aborted: boolean;
  wake: () => void;
}

export class TerminalSimulator {
  readonly poiId: string;
  readonly ledger = new Map<string, LedgerEntry>();
  readonly timing: SimulatorTiming;
  private readonly codec: NexoCodec;
  private readonly queue: Scenario[] = [];
  private running: Running | null = null;
  private loggedOut = false;
  private maintenance = false;
  private acquirerReachable = true;
  private refuseReversals = false;
  private tamperNext = false;
  private notificationUrl = '';
  /** The Authorization header sent with notifications (the URL's configured user and password). */
  private notificationAuth = '';
  private notifyAgent = new Agent({ keepAliveTimeout: 5_000 });
  private server: Server | null = null;
  private port = 0;
  private sequence = 0;
  private ca: { certPem: string } | null = null;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.poiId = options.poiId ?? 'SIM400-000000001';
    this.codec = options.key ? encryptedCodec(options.key) : plainCodec();
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    if (this.timing.slowMs >= this.timing.terminalTimeoutMs)
      throw new Error(
        `slowMs (${this.timing.slowMs}) must be shorter than the terminal's own timeout (${this.timing.terminalTimeoutMs}): a terminal never approves after it`,
      );
  }

  /** The terminal's Terminal API address. */
  get url(): string {
    return `https://127.0.0.1:${this.port}/nexo`;
  }

  /** The CA to trust for the simulator's certificate (made at start, never stored). */
  get caPem(): string {
    if (!this.ca) throw new Error('the simulator has not started');
    return this.ca.certPem;
  }

  async start(port = 0): Promise<string> {
    const ca = this.options.keepKeysIn
      ? keptCertificateAuthority('Terminal simulator CA', this.options.keepKeysIn)
      : createCertificateAuthority('Terminal simulator CA');
    // Named as Adyen names a terminal (reached by IP, the name is not the address): a client that
    // checks the host name, as Node does by default, fails here as it would at a real terminal.
    const name = adyenTerminalName(this.poiId, 'test');
    const leaf = ca.issue({ commonName: name, serverNames: [name] });
    this.ca = ca;
    this.server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => void this.handle(req, res));
    await this.listen(port);
    return this.url;
  }

  /** Unplugs the terminal (connections refused) or plugs it back in on the same port. */
  async setReachable(reachable: boolean): Promise<void> {
    if (!this.server) throw new Error('the simulator has not started');
    if (reachable === this.server.listening) return;
    if (reachable) await this.listen(this.port);
    else await closeNow(this.server);
  }

  queueScenario(scenario: Scenario, count = 1): void {
    for (let i = 0; i < count; i++) this.queue.push(scenario);
  }

  setState(state: z.infer<typeof ControlState>): void {
    if (state.loggedOut !== undefined) this.loggedOut = state.loggedOut;
    if (state.maintenance !== undefined) this.maintenance = state.maintenance;
    if (state.acquirerReachable !== undefined) this.acquirerReachable = state.acquirerReachable;
    if (state.notificationUrl !== undefined) this.notificationUrl = state.notificationUrl;
    if (state.notificationUsername !== undefined)
      this.notificationAuth = state.notificationUsername
        ? basicHeader({ username: state.notificationUsername, password: state.notificationPassword ?? '' })
        : '';
    if (state.notificationCaPem !== undefined) {
      // An HTTPS listener: trust its certificate as a terminal trusts the CA it was given.
      void this.notifyAgent.close();
      this.notifyAgent = new Agent({ keepAliveTimeout: 5_000, connect: { ca: state.notificationCaPem } });
    }
    if (state.tamperNextResponse !== undefined) this.tamperNext = state.tamperNextResponse;
    if (state.refuseReversals !== undefined) this.refuseReversals = state.refuseReversals;
  }

  /** Payment requests the simulator received for one of our payment ids. */
  paymentsFor(saleTransactionId: string): LedgerEntry[] {
    return [...this.ledger.values()].filter(
      (e) => e.category === 'Payment' && e.saleTransactionId === saleTransactionId,
    );
  }

  entries(category?: MessageCategory): LedgerEntry[] {
    return [...this.ledger.values()].filter((e) => category === undefined || e.category === category);
  }

  /** Back to a fresh terminal; `keepLedger`: queued scenarios and states go, the transactions stay. */
  reset(options: { keepLedger?: boolean } = {}): void {
    if (!options.keepLedger) this.ledger.clear();
    this.queue.length = 0;
    this.loggedOut = false;
    this.maintenance = false;
    this.acquirerReachable = true;
    this.tamperNext = false;
    this.refuseReversals = false;
  }

  async close(): Promise<void> {
    if (this.running) {
      this.running.aborted = true;
      this.running.wake();
    }
    if (this.server?.listening) await closeNow(this.server);
    await this.notifyAgent.close();
  }

  private async listen(port: number): Promise<void> {
    const server = this.server!;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readRequestBody(req, 1024 * 1024);
    } catch {
      res.writeHead(413).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path?.startsWith('/control/')) return this.control(req.method ?? '', path, body, res);
    // Adyen's own client posts to /nexo/ (its LocalRequest), others to /nexo: a terminal takes both.
    if ((path !== '/nexo' && path !== '/nexo/') || req.method !== 'POST') {
      res.writeHead(404).end();
      return;
    }
    let message: SaleToPOIRequest;
    try {
      message = this.codec.decode('SaleToPOIRequest', body, SaleToPOIRequest);
    } catch (error) {
      // An Adyen terminal answers a message it will not process (a wrong key, an unreadable body)
      // with an EventNotification "Reject", in the clear (it cannot use the sender's key), and
      // does nothing with it.
      const kind = error instanceof NexoMessageError ? error.kind : 'malformed';
      const reason = kind === 'tampered' ? 'Invalid key or message authentication' : `Unreadable message (${kind})`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          SaleToPOIRequest: {
            MessageHeader: {
              ProtocolVersion: '3.0',
              MessageClass: 'Event',
              MessageCategory: 'Event',
              MessageType: 'Notification',
              DeviceID: '0',
              POIID: this.poiId,
            },
            EventNotification: {
              EventToNotify: 'Reject',
              EventDetails: `message=${encodeURIComponent(reason)}`,
              RejectedMessage: Buffer.from(body).toString('base64'),
              TimeStamp: new Date().toISOString(),
            },
          },
        }),
      );
      return;
    }
    const request = message.SaleToPOIRequest;
    const header = request.MessageHeader;
    const key = `${header.POIID}|${header.SaleID}|${header.ServiceID}`;
    if (header.POIID !== this.poiId) return this.reply(res, header, 'Failure', { ErrorCondition: 'NotAllowed' });
    if (this.ledger.has(key)) {
      // ServiceIDs must be unique per terminal for 48 hours: a repeat is refused, never re-run.
      return this.reply(res, header, 'Failure', {
        ErrorCondition: 'MessageFormat',
        AdditionalResponse: 'message=Duplicate ServiceID',
      });
    }
    const entry: LedgerEntry = {
      key,
      poiId: header.POIID,
      saleId: header.SaleID,
      serviceId: header.ServiceID,
      category: header.MessageCategory,
      receivedAt: new Date().toISOString(),
      state: 'final',
      captured: false,
      reversed: false,
    };
    this.ledger.set(key, entry);

    if (request.PaymentRequest) return this.payment(entry, request.PaymentRequest, header, res);
    if (request.TransactionStatusRequest) {
      return this.transactionStatus(header, request.TransactionStatusRequest.MessageReference?.ServiceID, res);
    }
    if (request.AbortRequest) {
      const target = request.AbortRequest.MessageReference.ServiceID;
      entry.abortTarget = target;
      const running = this.running;
      entry.abortHit = running !== null && running.entry.serviceId === target && running.entry.saleId === header.SaleID;
      if (entry.abortHit) {
        running!.aborted = true;
        running!.wake();
      }
      res.writeHead(200).end(); // nexo: no answer to an abort
      return;
    }
    if (request.ReversalRequest) {
      // nexo names a POI transaction by its id and the terminal's time stamp for it, together.
      const original = request.ReversalRequest.OriginalPOITransaction.POITransactionID;
      const paid = [...this.ledger.values()].find(
        (e) =>
          e.poiTransactionId === original.TransactionID &&
          e.captured &&
          Date.parse(e.poiTimeStamp ?? '') === Date.parse(original.TimeStamp),
      );
      if (!paid) return this.reply(res, header, 'Failure', { ErrorCondition: 'NotFound' }, 'ReversalResponse');
      if (this.refuseReversals)
        return this.reply(res, header, 'Failure', { ErrorCondition: 'Refusal' }, 'ReversalResponse');
      paid.captured = false;
      paid.reversed = true;
      // As Adyen answers (its ReversalResponse model): the reversal's own POI transaction, the
      // original one, and the amount given back.
      return this.reply(res, header, 'Success', {}, 'ReversalResponse', {
        POIData: {
          POITransactionID: {
            TransactionID: `SIM${String(++this.sequence).padStart(6, '0')}.${randomBytes(8).toString('hex')}`,
            TimeStamp: new Date().toISOString(),
          },
        },
        OriginalPOITransaction: request.ReversalRequest.OriginalPOITransaction,
        ReversedAmount: (paid.amountOre ?? 0) / 100,
      });
    }
    if (request.LoginRequest) {
      // Adyen terminals need no login and answer one the same whether a payment runs or not.
      return this.reply(res, header, 'Success', {}, 'LoginResponse', {
        POISystemData: { DateTime: new Date().toISOString(), POIStatus: { GlobalStatus: this.globalStatus() } },
      });
    }
    if (request.DiagnosisRequest) {
      // As Adyen's DiagnosisResponse model: the terminal's state and, when asked, its acquirer's.
      return this.reply(res, header, 'Success', {}, 'DiagnosisResponse', {
        POIStatus: { GlobalStatus: this.globalStatus(), PEDOKFlag: true, CardReaderOKFlag: true },
        ...(request.DiagnosisRequest.HostDiagnosisFlag
          ? { HostStatus: [{ AcquirerID: 'SIMACQ', IsReachableFlag: this.acquirerReachable }] }
          : {}),
      });
    }
    entry.state = 'rejected';
    this.reply(res, header, 'Failure', { ErrorCondition: 'MessageFormat' });
  }

  private async payment(
    entry: LedgerEntry,
    payment: NonNullable<SaleToPOIRequest['SaleToPOIRequest']['PaymentRequest']>,
    header: MessageHeader,
    res: ServerResponse,
  ): Promise<void> {
    const saleTransaction = payment.SaleData.SaleTransactionID;
    const amounts = payment.PaymentTransaction.AmountsReq;
    entry.saleTransactionId = saleTransaction.TransactionID;
    entry.amountOre = kronerNumberToOre(amounts.RequestedAmount);
    const scenario = this.queue.shift() ?? SCENARIO_FOR_ORE[entry.amountOre % 100] ?? 'approve';
    entry.scenario = scenario;
    const fail = (condition: string, additional?: string): void => {
      this.finish(entry, header, saleTransaction, res, 'Failure', condition, additional);
    };
    if (this.running || scenario === 'busy') return fail('Busy');
    if (this.loggedOut) return fail('LoggedOut');
    if (this.maintenance) return fail('Busy', 'message=Terminal in maintenance');
    if (!this.acquirerReachable)
      return fail('Refusal', 'refusalReason=ACQUIRER_UNREACHABLE&message=No connection to acquirer');
    if (amounts.Currency !== 'DKK') return fail('NotAllowed', 'message=Currency not supported');

    const running: Running = { entry, aborted: false, wake: () => {} };
    this.running = running;
    entry.state = 'in-progress';
    try {
      const show = async (event: string, text: string, ms = this.timing.stepMs): Promise<boolean> => {
        await this.notify(header, event, text);
        return this.pause(running, ms);
      };
      // Each step returns false once the kiosk has aborted the payment.
      const steps: [string, string][] =
        scenario === 'display-sequence'
          ? [
              ['TENDER_CREATED', 'Indsæt eller hold kortet op'],
              ['CARD_INSERTED', 'Kort læst'],
              ['WAIT_FOR_APP_SELECTION', 'Vælg konto'],
              ['APPLICATION_SELECTED', 'Visa/Dankort'],
              ['WAIT_FOR_PIN', 'Indtast PIN'],
            ]
          : [
              ['TENDER_CREATED', 'Indsæt eller hold kortet op'],
              ['CARD_INSERTED', 'Kort læst'],
              ['WAIT_FOR_PIN', 'Indtast PIN'],
            ];
      for (const [event, text] of steps) {
        const pinWait = event === 'WAIT_FOR_PIN' && scenario === 'wait-for-pin';
        if (!(await show(event, text, pinWait ? this.timing.terminalTimeoutMs : this.timing.stepMs))) {
          return fail('Aborted', 'message=Aborted by the sale system');
        }
        if (pinWait) return fail('Cancel', 'message=Timeout');
      }
      if (scenario === 'cancel') return fail('Cancel', 'message=Cancelled by the cardholder');
      if (scenario === 'card-removed') {
        await this.notify(header, 'CARD_REMOVED', 'Kortet blev fjernet');
        // Adyen's other form of AdditionalResponse (a terminal setting): base64 JSON.
        return fail('Aborted', base64AdditionalResponse({ refusalReason: 'CARD_REMOVED', message: 'Card removed' }));
      }
      // slow: the acquirer takes its time and the link to the kiosk is lost meanwhile (a real
      // terminal never holds a payment past its own limit, so only a lost answer makes the kiosk
      // ask); the terminal carries on and approves.
      if (scenario === 'slow') res.socket?.destroy();
      if (!(await show('PIN_ENTERED', 'Godkender…', scenario === 'slow' ? this.timing.slowMs : this.timing.stepMs))) {
        return fail('Aborted', 'message=Aborted by the sale system');
      }
      if (scenario === 'decline') return fail('Refusal', 'refusalReason=DECLINED&message=Afvist');
      this.finish(entry, header, saleTransaction, res, 'Success', undefined, undefined, scenario === 'drop');
      if (scenario === 'display-sequence') await this.notify(header, 'PRINT_RECEIPT', 'Udskriver kvittering');
      await this.notify(header, 'CARD_REMOVED', 'Godkendt – tag kortet');
      await this.notify(header, 'TENDER_FINAL', 'Godkendt');
    } finally {
      if (this.running === running) this.running = null;
    }
  }

  /** Settles a payment in the ledger and answers it (or, for `drop`, cuts the connection). */
  private finish(
    entry: LedgerEntry,
    header: MessageHeader,
    saleTransaction: { TransactionID: string; TimeStamp: string },
    res: ServerResponse,
    result: 'Success' | 'Failure',
    condition?: string,
    additional?: string,
    drop = false,
  ): void {
    const now = new Date().toISOString();
    entry.state = 'final';
    entry.result = result;
    if (condition) entry.errorCondition = condition;
    entry.poiTransactionId = `SIM${String(++this.sequence).padStart(6, '0')}.${randomBytes(8).toString('hex')}`;
    entry.poiTimeStamp = now;
    entry.captured = result === 'Success';
    const body: Record<string, unknown> = {
      Response: {
        Result: result,
        ...(condition ? { ErrorCondition: condition } : {}),
        ...(additional ? { AdditionalResponse: additional } : {}),
      },
      SaleData: { SaleTransactionID: saleTransaction },
      POIData: { POITransactionID: { TransactionID: entry.poiTransactionId, TimeStamp: now } },
      ...(result === 'Success'
        ? {
            PaymentResult: {
              PaymentInstrumentData: {
                PaymentInstrumentType: 'Card',
                CardData: { PaymentBrand: 'visadankort', MaskedPan: '457123 **** 0005', EntryMode: ['ICC'] },
              },
              AmountsResp: { AuthorizedAmount: entry.amountOre! / 100, Currency: 'DKK' },
              PaymentAcquirerData: { ApprovalCode: String(100000 + this.sequence) },
            },
            PaymentReceipt: receipts({
              amountOre: entry.amountOre!,
              approvalCode: String(100000 + this.sequence),
              poiId: this.poiId,
              tender: entry.poiTransactionId.split('.')[0]!,
              at: now,
            }),
          }
        : {}),
    };
    entry.response = body;
    if (drop) {
      res.socket?.destroy();
      return;
    }
    this.send(res, responseHeader(header), { PaymentResponse: body });
  }

  private transactionStatus(header: MessageHeader, serviceId: string | undefined, res: ServerResponse): void {
    const payments = this.entries('Payment').filter((e) => e.saleId === header.SaleID);
    // Without a reference, nexo means the sale system's last payment.
    const original = serviceId === undefined ? payments.at(-1) : payments.find((e) => e.serviceId === serviceId);
    if (!original)
      return this.reply(res, header, 'Failure', { ErrorCondition: 'NotFound' }, 'TransactionStatusResponse');
    if (original.state !== 'final' || !original.response) {
      return this.reply(res, header, 'Failure', { ErrorCondition: 'InProgress' }, 'TransactionStatusResponse');
    }
    const originalHeader = {
      ProtocolVersion: PROTOCOL_VERSION,
      MessageClass: 'Service',
      MessageCategory: 'Payment',
      MessageType: 'Response',
      ServiceID: original.serviceId,
      SaleID: original.saleId,
      POIID: original.poiId,
    };
    this.reply(res, header, 'Success', {}, 'TransactionStatusResponse', {
      MessageReference: { MessageCategory: 'Payment', ServiceID: original.serviceId, SaleID: original.saleId },
      RepeatedMessageResponse: {
        MessageHeader: originalHeader,
        RepeatedResponseMessageBody: { PaymentResponse: original.response },
      },
    });
  }

  private reply(
    res: ServerResponse,
    header: MessageHeader,
    result: 'Success' | 'Failure',
    response: { ErrorCondition?: string; AdditionalResponse?: string },
    bodyName = `${header.MessageCategory}Response`,
    extra: Record<string, unknown> = {},
  ): void {
    this.send(res, responseHeader(header), { [bodyName]: { Response: { Result: result, ...response }, ...extra } });
  }

  private send(res: ServerResponse, header: MessageHeader, body: Record<string, unknown>): void {
    if (res.writableEnded || res.destroyed) return;
    let text = this.codec.encode(
      'SaleToPOIResponse',
      { SaleToPOIResponse: { MessageHeader: header, ...body } },
      header,
    );
    if (this.tamperNext) {
      this.tamperNext = false;
      text = tamper(text);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  }

  private globalStatus(): 'OK' | 'Busy' | 'Maintenance' {
    if (this.maintenance) return 'Maintenance';
    return this.running ? 'Busy' : 'OK';
  }

  /** Waits, waking early if the payment is aborted. False when it was aborted. */
  private pause(running: Running, ms: number): Promise<boolean> {
    if (running.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(!running.aborted), ms);
      running.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }

  /** A display notification to the kiosk, as Adyen terminals send them. Best effort, in order. */
  private async notify(paymentHeader: MessageHeader, event: string, text: string): Promise<void> {
    if (!this.notificationUrl) return;
    const header: MessageHeader = {
      ProtocolVersion: PROTOCOL_VERSION,
      MessageClass: 'Device',
      MessageCategory: 'Display',
      MessageType: 'Request',
      ServiceID: paymentHeader.ServiceID!,
      SaleID: paymentHeader.SaleID!,
      POIID: this.poiId,
    };
    const referenceId = new URLSearchParams({
      TransactionID: paymentHeader.ServiceID ?? '',
      TimeStamp: new Date().toISOString(),
      event,
    }).toString();
    const message = {
      SaleToPOIRequest: {
        MessageHeader: header,
        DisplayRequest: {
          DisplayOutput: [
            {
              Device: 'CashierDisplay',
              InfoQualify: 'Status',
              OutputContent: {
                OutputFormat: 'Text',
                PredefinedContent: { ReferenceID: referenceId },
                OutputText: [{ Text: text }],
              },
            },
          ],
        },
      },
    };
    try {
      const response = await request(this.notificationUrl, {
        method: 'POST',
        body: this.codec.encode('SaleToPOIRequest', message, header),
        headers: {
          'content-type': 'application/json',
          ...(this.notificationAuth ? { authorization: this.notificationAuth } : {}),
        },
        dispatcher: this.notifyAgent,
        headersTimeout: 2_000,
        bodyTimeout: 2_000,
      });
      await response.body.dump();
    } catch {
      // The kiosk is not listening: a real terminal carries on with the payment too.
    }
  }

  private async control(method: string, path: string, body: string, res: ServerResponse): Promise<void> {
    const json = (status: number, value: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    try {
      if (method === 'GET' && path === '/control/ledger') return json(200, [...this.ledger.values()]);
      if (method === 'POST' && path === '/control/scenario') {
        const { scenario, count } = ControlScenario.parse(JSON.parse(body));
        this.queueScenario(scenario, count);
        return json(200, { queued: this.queue.length });
      }
      if (method === 'POST' && path === '/control/state') {
        this.setState(ControlState.parse(JSON.parse(body)));
        return json(200, { loggedOut: this.loggedOut, notificationUrl: this.notificationUrl });
      }
      if (method === 'POST' && path === '/control/reset') {
        const options = (body ? JSON.parse(body) : {}) as { keepLedger?: unknown };
        this.reset({ keepLedger: options.keepLedger === true });
        return json(200, {});
      }
      json(404, { error: 'no such control' });
    } catch (error) {
      json(400, { error: messageOf(error) });
    }
  }
}

function responseHeader(request: MessageHeader): MessageHeader {
  return { ...request, ProtocolVersion: PROTOCOL_VERSION, MessageClass: 'Service', MessageType: 'Response' };
}

/** Changes one bit of the HMAC (or of the body, for the plain variant): a man in the middle. */
function tamper(text: string): string {
  const match = /"Hmac":"([^"]+)"/.exec(text);
  if (!match) return text.replace('"Result":"Success"', '"Result":"Succes"');
  const mac = Buffer.from(match[1]!, 'base64');
  mac[0] = mac[0]! ^ 1;
  return text.replace(match[1]!, mac.toString('base64'));
}

/** Adyen's base64 JSON form of AdditionalResponse (see nexo/additional-response.ts). */
function base64AdditionalResponse(fields: Record<string, string>): string {
  return Buffer.from(JSON.stringify({ additionalData: fields, message: fields.message ?? '' })).toString('base64');
}

/**
 * The cashier's and the cardholder's receipts, in Adyen's form: each line an OutputText whose Text
 * is URL-encoded name/value/key (Adyen's sample payment-sync-success.json; Adyen "Generate
 * receipts"). The card number is masked as Adyen masks it.
 */
function receipts(payment: {
  amountOre: number;
  approvalCode: string;
  poiId: string;
  tender: string;
  at: string;
}): unknown[] {
  const line = (fields: Record<string, string>, bold = false) => ({
    ...(bold ? { CharacterStyle: 'Bold' } : {}),
    Text: new URLSearchParams(fields).toString().replace(/\+/gu, '%20'),
    EndOfLineFlag: true,
  });
  const at = new Date(payment.at);
  const two = (n: number) => String(n).padStart(2, '0');
  const body = (title: string) => [
    line({ key: 'header1' }, true),
    line({ name: title, key: 'merchantTitle' }, true),
    line({ key: 'filler' }),
    line({
      name: 'Date',
      value: `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${at.getUTCFullYear() % 100}`,
      key: 'txdate',
    }),
    line({
      name: 'Time',
      value: `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`,
      key: 'txtime',
    }),
    line({ key: 'filler' }),
    line({ name: 'Card', value: '************0005', key: 'pan' }),
    line({ name: 'Card type', value: 'visadankort', key: 'cardType' }),
    line({ name: 'Entry mode', value: 'Chip', key: 'posEntryMode' }),
    line({ key: 'filler' }),
    line({ name: 'TID', value: payment.poiId, key: 'tid' }),
    line({ name: 'Auth. code', value: payment.approvalCode, key: 'authCode' }),
    line({ name: 'Tender', value: payment.tender, key: 'txRef' }),
    line({ key: 'filler' }),
    line({ name: 'Type', value: 'GOODS_SERVICES', key: 'txtype' }),
    line({ name: 'TOTAL', value: `DKK ${(payment.amountOre / 100).toFixed(2)}`, key: 'totalAmount' }, true),
    line({ key: 'filler' }),
    line({ name: 'APPROVED', key: 'approved' }, true),
  ];
  return [
    {
      DocumentQualifier: 'CashierReceipt',
      RequiredSignatureFlag: false,
      OutputContent: { OutputFormat: 'Text', OutputText: body('MERCHANT COPY') },
    },
    {
      DocumentQualifier: 'CustomerReceipt',
      RequiredSignatureFlag: false,
      OutputContent: { OutputFormat: 'Text', OutputText: body('CARDHOLDER COPY') },
    },
  ];
}
