import * as soap from 'soap';
import type { Logger } from '../../base/log.js';
import { certificateProblems, type OrganisationCertificate } from './certificates.js';
import { OeirError } from './errors.js';
import {
  errorFromFault,
  foretagIndbetalingArgs,
  OPERATION,
  receiptFrom,
  soegDelfordringArgs,
  subClaimsFrom,
  type CallerContext,
  type DebtorPayment,
  type DebtorReceipt,
  type SubClaimStatus,
} from './mapping.js';
import { createSoapTransport, type SoapTransport } from './transport.js';
import { signCall } from './sts/call-signing.js';
import type { StsToken } from './sts/wire.js';
import { messageOf } from '../../base/errors.js';

export interface OeirClientOptions {
  readonly wsdlPath: string;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly context: CallerContext;
  /** The organisation certificate for mutual TLS (none only for a plain-HTTP test endpoint). */
  readonly certificate?: OrganisationCertificate;
  readonly caPem?: string;
  /**
   * The token-based security model: each call carries a SAML token from KOMBIT's STS and is
   * signed with the certificate's key (integrations/oeir/sts/). Absent: the certificate model.
   */
  readonly tokens?: TokenSource;
  /** The clock a signed call's Timestamp is taken from. */
  readonly now?: () => number;
  readonly log: Logger;
}

/** Where calls in the token model get their token (StsTokenProvider). */
export interface TokenSource {
  token(): Promise<StsToken>;
  invalidate(token: StsToken): void;
}

/** The service's SOAP actions (the WSDL's soapAction), the token model's wsa:Action. */
const ACTIONS: Readonly<Record<string, string>> = {
  [OPERATION.pay]: 'http://kombit.dk/xml/wsdl/oir/DebitorIndbetalingAfsend/1/ForetagIndbetaling',
  [OPERATION.search]: 'http://kombit.dk/xml/wsdl/oir/DebitorIndbetalingAfsend/1/SoegDelfordringTilIndbetaling',
};

/** WS-Security faults (WSS 1.0 §12) that say the token is no good: a new one is asked for. */
const TOKEN_FAULT = /InvalidSecurityToken|SecurityTokenUnavailable|UnsupportedSecurityToken/u;

// `soap` would turn xsd:decimal into a JS number and xsd:long into parseInt: keep the text.
const KEEP_TEXT = { decimal: (text: string) => text, long: (text: string) => text };

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED']);

type SoapMethod = (
  args: unknown,
  callback: (error: unknown, result: unknown) => void,
  options?: { postProcess?: (xml: string) => string },
) => void;

/**
 * ØiR DebitorIndbetalingAfsend over Serviceplatformen: a `soap` client built from the WSDL file,
 * on a transport with mutual TLS, timeouts and hardened XML handling (transport.ts). Every
 * failure comes out as an OeirError whose kind tells the caller whether to retry.
 */
export class OeirClient {
  private constructor(
    private readonly client: soap.Client,
    private readonly transport: SoapTransport,
    private readonly options: OeirClientOptions,
  ) {}

  static async create(options: OeirClientOptions): Promise<OeirClient> {
    const transport = createSoapTransport({
      timeoutMs: options.timeoutMs,
      ...(options.certificate ? { certificate: options.certificate } : {}),
      ...(options.caPem ? { caPem: options.caPem } : {}),
    });
    try {
      const client = await soap.createClientAsync(options.wsdlPath, {
        endpoint: options.endpoint,
        // The same axios instance; soap's typings see axios's CJS declarations, ours the ESM ones.
        request: transport.request as unknown as soap.IOptions['request'],
        customDeserializer: KEEP_TEXT,
      });
      return new OeirClient(client, transport, options);
    } catch (error) {
      transport.close();
      throw new OeirError('certificate', `cannot load the ØiR WSDL ${options.wsdlPath}: ${messageOf(error)}`);
    }
  }

  /** Registers one payment. Safe to repeat: the payment id is the debtor system's duplicate key. */
  async foretagIndbetaling(payment: DebtorPayment): Promise<DebtorReceipt> {
    const result = await this.invoke(OPERATION.pay, foretagIndbetalingArgs(this.options.context, payment));
    return receiptFrom(result, payment.paymentId);
  }

  /** Which of these sub-claims are open in the debtor system, and for how much. */
  async soegDelfordringer(feeIds: readonly string[]): Promise<SubClaimStatus[]> {
    if (feeIds.length === 0) return [];
    return subClaimsFrom(await this.invoke(OPERATION.search, soegDelfordringArgs(this.options.context, feeIds)));
  }

  close(): void {
    this.transport.close();
  }

  private async invoke(operation: string, args: unknown): Promise<unknown> {
    const tokens = this.options.tokens;
    if (!tokens) return this.call(operation, args);
    // The token model: the STS is asked only when the cached token is near its end.
    const token = await tokens.token();
    const { certificate, endpoint } = this.options;
    if (!certificate) throw new OeirError('certificate', 'the token model needs the organisation certificate');
    try {
      return await this.call(operation, args, (xml) =>
        signCall(xml, {
          token,
          keyPem: certificate.keyPem,
          action: ACTIONS[operation] ?? operation,
          to: endpoint,
          now: new Date((this.options.now ?? Date.now)()),
        }),
      );
    } catch (error) {
      if (error instanceof OeirError && TOKEN_FAULT.test(error.details.code ?? '')) tokens.invalidate(token);
      throw error;
    }
  }

  private call(operation: string, args: unknown, postProcess?: (xml: string) => string): Promise<unknown> {
    const method = (this.client as unknown as Record<string, SoapMethod | undefined>)[operation];
    if (typeof method !== 'function')
      return Promise.reject(new OeirError('bad-response', `the WSDL has no operation ${operation}`));
    // A certificate outside its dates is refused by the platform at the handshake with a bare
    // reset, which looks like a network fault and would be retried for ever: say what it is,
    // and do not call (the rows wait until a technician installs a valid one).
    const dated = this.options.certificate
      ? certificateProblems(this.options.certificate).find((p) => p.kind === 'expired' || p.kind === 'not-yet-valid')
      : undefined;
    if (dated) return Promise.reject(new OeirError('certificate', `the organisation certificate: ${dated.message}`));
    const started = performance.now();
    return new Promise<unknown>((resolve, reject) => {
      const callback = (error: unknown, result: unknown) => {
        const ms = Math.round(performance.now() - started);
        if (!error) {
          this.options.log.debug({ operation, ms }, 'oeir call');
          resolve(result);
          return;
        }
        const classified = classify(error);
        this.options.log.warn(
          { operation, ms, kind: classified.kind, code: classified.details.code, error: classified.message },
          'oeir call failed',
        );
        reject(classified);
      };
      method.call(this.client, args, callback, postProcess ? { postProcess } : undefined);
    });
  }
}

/** Any failure of a SOAP call → an OeirError with a kind that says whether to retry. */
export function classify(error: unknown): OeirError {
  if (error instanceof OeirError) return error;
  const e = error as {
    root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } };
    response?: { status?: number };
    code?: string;
    message?: string;
    cause?: unknown;
  };
  const fault = e.root?.Envelope?.Body?.Fault;
  if (fault) return errorFromFault(fault);
  // axios wraps an error thrown by our response interceptor (a refused DOCTYPE).
  if (e.cause instanceof OeirError) return e.cause;
  const status = e.response?.status;
  if (status !== undefined && status >= 500)
    return new OeirError('transport', `HTTP ${status} without a SOAP fault`, { status });
  if (status !== undefined && status >= 400) return new OeirError('bad-response', `HTTP ${status}`, { status });
  const code = e.code ?? '';
  if (TIMEOUT_CODES.has(code)) return new OeirError('transport', `no answer in time (${code})`);
  if (NETWORK_CODES.has(code)) return new OeirError('transport', `connection failed (${code})`);
  // The platform's TLS alert about our certificate (unknown CA, bad or expired certificate): a
  // technician must act; retrying will not help.
  if (
    /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|CERTIFICATE_UNKNOWN)|alert (unknown ca|bad certificate|certificate expired)/iu.test(
      `${code} ${e.message ?? ''}`,
    )
  )
    return new OeirError('certificate', `the platform refused the organisation certificate: ${e.message ?? code}`);
  if (/SSL|TLS|CERT|EPROTO|self.signed|handshake/i.test(`${code} ${e.message ?? ''}`)) {
    return new OeirError('transport', `TLS failure: ${e.message ?? code}`);
  }
  if (/socket hang up|aborted/i.test(e.message ?? ''))
    return new OeirError('transport', `connection lost: ${e.message ?? ''}`);
  return new OeirError('bad-response', `unreadable answer: ${(e.message ?? String(error)).slice(0, 300)}`);
}
