import type { Logger } from '../../../base/log.js';
import { messageOf } from '../../../base/errors.js';
import type { OrganisationCertificate } from '../certificates.js';
import { OeirError } from '../errors.js';
import { classify } from '../client.js';
import { createSoapTransport, type SoapTransport } from '../transport.js';
import { buildIssueRequest, readIssueAnswer, StsRefusedError, type StsToken } from './wire.js';

export interface TokenProviderOptions {
  /** The STS's address (KOMBIT's certificatemixed endpoint, or the sandbox's). */
  readonly endpoint: string;
  /** The service's entity id the token is for (its audience). */
  readonly appliesTo: string;
  /** The municipality the kiosk acts for. */
  readonly cvr: string;
  readonly certificate: OrganisationCertificate;
  readonly caPem?: string;
  readonly timeoutMs: number;
  /** Renew this long before the token's end (itk-dev/serviceplatformen: 15 minutes). */
  readonly renewBeforeMs?: number;
  /** After a refusal, the STS is not asked again for this long (a technician must act). */
  readonly refusalPauseMs?: number;
  readonly now?: () => number;
  readonly log: Logger;
}

const MINUTE = 60_000;

/** What the provider knows now, for `kiosk doctor` and the technician's screen. */
export type TokenStatus =
  | { readonly state: 'none' }
  | { readonly state: 'valid'; readonly until: string; readonly audience: string }
  | { readonly state: 'refused'; readonly detail: string; readonly since: string }
  | { readonly state: 'failing'; readonly detail: string; readonly since: string };

/**
 * The kiosk's SAML token from KOMBIT's STS, for the token-based security model: asked for once
 * and reused for every call until shortly before it ends (a token lives 8 hours), never once per
 * payment. Callers waiting at the same time share one request. A call the platform refuses for
 * the token makes the caller `invalidate` it; the next call asks again.
 *
 * A refusal by the STS (wrong certificate, no service agreement) is a configuration fault: it is
 * remembered and the STS is not asked again for `refusalPauseMs`, so queued payments wait
 * (their rows stay in the outbox) without the kiosk asking the STS in a loop. An STS that cannot
 * be reached is an ordinary transient fault: the outbox retries with its backoff.
 */
export class StsTokenProvider {
  private current: StsToken | null = null;
  private pending: Promise<StsToken> | null = null;
  private refusal: { error: OeirError; at: number } | null = null;
  private failure: { detail: string; at: number } | null = null;
  private readonly transport: SoapTransport;
  private readonly now: () => number;
  /** How many times the STS was asked (tests and the benchmark read it). */
  requests = 0;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.transport = createSoapTransport({
      timeoutMs: options.timeoutMs,
      ...(options.caPem ? { caPem: options.caPem } : {}),
    });
  }

  /** A token valid for a while yet: the cached one, or a new one from the STS. */
  async token(): Promise<StsToken> {
    const now = this.now();
    const renewBefore = this.options.renewBeforeMs ?? 15 * MINUTE;
    if (this.current && this.current.notOnOrAfter.getTime() - renewBefore > now) return this.current;
    if (this.refusal && now - this.refusal.at < (this.options.refusalPauseMs ?? 15 * MINUTE)) throw this.refusal.error;
    this.pending ??= this.fetch().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** The platform refused a call for this token (expired, or revoked): ask for a new one next time. */
  invalidate(token: StsToken): void {
    if (this.current?.id === token.id) this.current = null;
  }

  status(): TokenStatus {
    if (this.refusal)
      return { state: 'refused', detail: this.refusal.error.message, since: new Date(this.refusal.at).toISOString() };
    if (this.current && this.current.notOnOrAfter.getTime() > this.now())
      return { state: 'valid', until: this.current.notOnOrAfter.toISOString(), audience: this.current.audience };
    if (this.failure)
      return { state: 'failing', detail: this.failure.detail, since: new Date(this.failure.at).toISOString() };
    return { state: 'none' };
  }

  close(): void {
    this.transport.close();
  }

  private async fetch(): Promise<StsToken> {
    const { certificate, endpoint } = this.options;
    const { xml } = buildIssueRequest({
      endpoint,
      appliesTo: this.options.appliesTo,
      cvr: this.options.cvr,
      certPem: certificate.certPem,
      keyPem: certificate.keyPem,
      now: new Date(this.now()),
    });
    this.requests++;
    let text: string;
    try {
      const response = await this.transport.request.post<string>(endpoint, xml, {
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        responseType: 'text',
        // A fault comes with HTTP 500: read it, it says why.
        validateStatus: (status) => status === 200 || status === 500,
      });
      text = response.data;
    } catch (error) {
      const classified = classify(error);
      this.failure = { detail: `KOMBIT's STS: ${classified.message}`, at: this.now() };
      this.options.log.warn({ kind: classified.kind, error: classified.message }, 'STS not reached');
      throw new OeirError('transport', this.failure.detail);
    }
    try {
      const token = readIssueAnswer(text);
      this.current = token;
      this.refusal = null;
      this.failure = null;
      this.options.log.info({ until: token.notOnOrAfter.toISOString(), audience: token.audience }, 'STS token');
      return token;
    } catch (error) {
      if (error instanceof StsRefusedError) {
        this.refusal = { error, at: this.now() };
        this.options.log.error(
          { code: error.code, error: error.message },
          'STS refused the token: a technician must act',
        );
      } else this.failure = { detail: messageOf(error), at: this.now() };
      throw error;
    }
  }
}
