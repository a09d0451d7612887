import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Agent } from 'undici';
import { z } from 'zod';
import { messageOf } from '../../base/errors.js';
import type { Borrower, Claim } from '../../contract/index.js';
import type { Logger } from '../../base/log.js';
import { createHttpAgent, HttpFailure, httpExchange, type HttpResponse } from '../../base/http.js';
import { feesToClaims } from './claims.js';
import { FbsError } from './errors.js';
import {
  AuthenticatedPatronV8,
  ExternalApiUserInfo,
  FeeList,
  type FeeV2,
  PatronAuthenticationResponse,
  PaymentConfirmationV2,
} from './models.js';
import { decodeFbs, int64, parseFbsJson, stringifyFbsJson } from './wire.js';

export interface FbsClientOptions {
  /** e.g. https://cicero-fbs.com/rest */
  readonly baseUrl: string;
  /** The library's ISIL, e.g. DK-761500. */
  readonly agencyId: string;
  readonly username: string;
  readonly password: string;
  /** Per call, connect to last byte. */
  readonly timeoutMs: number;
  /** Let blocked borrowers through identify() (config `fbs.allowBlockedBorrowers`). */
  readonly allowBlockedBorrowers?: boolean;
  readonly log: Logger;
}

export interface PatronRef {
  readonly patronId: string;
  readonly patronType: string | null;
}

export interface Identified {
  readonly borrower: Borrower;
  readonly claims: Claim[];
}

const PATRON_ID = /^\d{1,19}$/;
const ADULT_AGE = 18;

/**
 * The FBS external API, exactly the calls the kiosk needs. One client per kiosk: it keeps one
 * session (X-Session) for all calls, logs in again once when FBS says the session expired, and
 * retries only calls that are safe to repeat (reads). A PIN check is never repeated: a second
 * attempt could count twice towards the lock-out.
 */
export class FbsClient {
  private readonly agent: Agent = createHttpAgent();
  private session: string | null = null;
  private login: Promise<string> | null = null;
  private readonly readRetry = retry(
    handleWhen((e) => e instanceof FbsError && e.code === 'unavailable'),
    { maxAttempts: 1, backoff: new ExponentialBackoff({ initialDelay: 150, maxDelay: 1000 }) },
  );

  constructor(private readonly options: FbsClientOptions) {}

  /** Card number (or CPR used as card) + PIN → the borrower's id. */
  async authenticate(libraryCardNumber: string, pincode: string): Promise<PatronRef> {
    const body = stringifyFbsJson({ libraryCardNumber, pincode });
    const answer = await this.call(
      'POST',
      `/external/${this.agency}/patrons/authenticate/v9`,
      body,
      PatronAuthenticationResponse,
      'authentication answer',
      false,
    );
    return patronRefFrom(answer);
  }

  /** Diagnostics: logs in afresh with the kiosk's client account (throws FbsError when refused). */
  async logInNow(): Promise<void> {
    this.session = null;
    await this.sessionKey();
  }

  /** Staff at the counter: look a borrower up by card number or CPR, without PIN. */
  async preauthenticate(patronIdentifier: string): Promise<PatronRef> {
    // The identifier itself is the body, unquoted, as `application/json`: that is what FBS takes
    // and what production FBS clients send (DBCDK/fbs-cms-adapter src/clients/preauthenticated.js
    // sends `body: userId`; OS2Forms os2forms_fbs_handler src/Client/FBS.php sends the CPR as a
    // plain string: "The API designer at FBS doesn't always use JSON"). A JSON-quoted string
    // would reach FBS with its quotes as part of the identifier. So only plain identifiers go.
    if (!/^[0-9A-Za-z-]{1,40}$/u.test(patronIdentifier))
      throw new FbsError('invalid-credentials', 'a patron identifier is letters, digits and dashes');
    const body = patronIdentifier;
    const answer = await this.call(
      'POST',
      `/external/${this.agency}/patrons/preauthenticated/v10`,
      body,
      PatronAuthenticationResponse,
      'look-up answer',
      true,
    );
    return patronRefFrom(answer);
  }

  async borrower(patronId: string, today: Date = new Date()): Promise<Borrower> {
    const answer = await this.call(
      'GET',
      `/external/${this.agency}/patrons/${checkedPatronId(patronId)}/v4`,
      undefined,
      AuthenticatedPatronV8,
      'patron',
      true,
    );
    const patron = answer.patron;
    if (!patron) throw new FbsError('bad-response', 'FBS returned no patron for a known patron id');
    return {
      patronId: patron.patronId,
      name: patron.name ?? null,
      isChild: isChild(patron.birthday ?? null, today),
      blocks: (patron.blockStatus ?? []).map((b) => ({
        code: b.blockedReason,
        since: b.blockedSince,
        message: b.message,
      })),
    };
  }

  /** The borrower's fees as FBS has them (all, or unpaid only), amounts exact. */
  async fees(patronId: string, { includePaid }: { includePaid: boolean }): Promise<FeeV2[]> {
    const path = `/external/${this.agency}/patron/${checkedPatronId(patronId)}/fees/v2?includepaid=${includePaid}&includenonpayable=true`;
    return this.call('GET', path, undefined, FeeList, 'fee list', true);
  }

  /**
   * The fees the borrower would owe if every overdue loan were returned today (FBS's own
   * endpoint for them, getExpectedFees: fee id -1, payableByClient false). Shown for
   * information, never payable. Cicero with time-based fees always answers an empty list.
   */
  async expectedFees(patronId: string): Promise<FeeV2[]> {
    const path = `/external/${this.agency}/patron/${checkedPatronId(patronId)}/fee/expected-fees/v1`;
    return this.call('GET', path, undefined, FeeList, 'expected fee list', true);
  }

  /**
   * Open claims, mapped and routed, ready for the screen: the fees (fees/v2) and, for
   * information, the expected ones. Expected fees are a courtesy: when FBS cannot give them the
   * borrower still sees and pays what they owe (and the log says why the rest is missing).
   */
  async claims(patronId: string): Promise<Claim[]> {
    const [fees, expected] = await Promise.all([
      this.fees(patronId, { includePaid: false }),
      this.expectedFees(patronId).catch((error: unknown) => {
        this.options.log.warn({ patronId, error: messageOf(error) }, 'FBS gave no expected fees: shown without them');
        return [];
      }),
    ]);
    const claims = feesToClaims([...fees, ...expected]);
    for (const claim of claims.filter((c) => c.amountUnreadable))
      this.options.log.warn(
        { feeId: claim.feeId, patronId },
        'FBS lists a fee whose amount is not whole øre: shown as not payable here; staff must look at it in FBS',
      );
    return claims;
  }

  /**
   * Who is at the kiosk and what they owe. A blocked borrower is refused unless allowed
   * (staff decide at the counter).
   */
  async identify(
    libraryCardNumber: string,
    pincode: string,
    { allowBlocked = this.options.allowBlockedBorrowers ?? false } = {},
  ): Promise<Identified> {
    const { patronId } = await this.authenticate(libraryCardNumber, pincode);
    const [borrower, claims] = await Promise.all([this.borrower(patronId), this.claims(patronId)]);
    if (borrower.blocks.length > 0 && !allowBlocked) {
      throw new FbsError('blocked', 'the borrower is blocked in FBS', { blocks: borrower.blocks });
    }
    return { borrower, claims };
  }

  /** Staff at the counter (or a kiosk that needs no PIN): the same, looked up without PIN. */
  async identifyPreauthenticated(
    cardOrCpr: string,
    { allowBlocked = this.options.allowBlockedBorrowers ?? false } = {},
  ): Promise<Identified> {
    const { patronId } = await this.preauthenticate(cardOrCpr);
    const [borrower, claims] = await Promise.all([this.borrower(patronId), this.claims(patronId)]);
    if (borrower.blocks.length > 0 && !allowBlocked) {
      throw new FbsError('blocked', 'the borrower is blocked in FBS', { blocks: borrower.blocks });
    }
    return { borrower, claims };
  }

  /**
   * Registers an FBS-route payment: whole fees, with the payment gateway's order id. FBS answers
   * the same for the same order id, so the outbox may call this again after a crash.
   * Not retried here: the outbox owns retries and their backoff.
   */
  async registerPayment(
    patronId: string,
    orderId: string,
    feeIds: readonly string[],
  ): Promise<PaymentConfirmationV2[]> {
    const body = stringifyFbsJson({ orderId, feeIds: feeIds.map(int64) });
    return this.call(
      'POST',
      `/external/${this.agency}/patron/${checkedPatronId(patronId)}/payment/v2`,
      body,
      z.array(PaymentConfirmationV2),
      'payment confirmation',
      false,
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private get agency(): string {
    return encodeURIComponent(this.options.agencyId);
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    schema: z.ZodType<T>,
    what: string,
    safeToRepeat: boolean,
  ): Promise<T> {
    const once = async (): Promise<T> => {
      let session = await this.sessionKey();
      let response = await this.send(method, path, body, session);
      if (response.status === 401) {
        // The session timed out: log in again, once.
        this.forget(session);
        session = await this.sessionKey();
        response = await this.send(method, path, body, session);
        if (response.status === 401) throw new FbsError('unavailable', 'FBS refused a fresh session', { status: 401 });
      }
      return decodeFbs(schema, parseFbsJson(checkStatus(response, what)), what);
    };
    return safeToRepeat ? this.readRetry.execute(once) : once();
  }

  private async sessionKey(): Promise<string> {
    if (this.session) return this.session;
    // Concurrent calls share one login.
    this.login ??= this.logIn().finally(() => (this.login = null));
    return this.login;
  }

  private forget(session: string): void {
    if (this.session === session) this.session = null;
  }

  private async logIn(): Promise<string> {
    const body = stringifyFbsJson({ username: this.options.username, password: this.options.password });
    const response = await this.send('POST', `/external/v1/${this.agency}/authentication/login`, body, null);
    if (response.status === 403) {
      // The kiosk's own FBS account, not the borrower: a technician must fix the configuration.
      throw new FbsError(
        'unavailable',
        'FBS refused the kiosk\u2019s client login (check fbs.username and fbs.password)',
        { status: 403 },
      );
    }
    const { sessionKey } = decodeFbs(
      ExternalApiUserInfo,
      parseFbsJson(checkStatus(response, 'login answer')),
      'login answer',
    );
    this.session = sessionKey;
    this.options.log.info({ agencyId: this.options.agencyId }, 'logged in to FBS');
    return sessionKey;
  }

  private lastAnswer: boolean | null = null;

  /**
   * Whether FBS answered its latest call (any HTTP answer counts: the network and FBS are up);
   * null before the first call. For the operations metrics.
   */
  get reachable(): boolean | null {
    return this.lastAnswer;
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    session: string | null,
  ): Promise<HttpResponse> {
    const started = performance.now();
    try {
      const response = await httpExchange(this.agent, {
        method,
        url: `${this.options.baseUrl}${path}`,
        headers: session ? { 'x-session': session } : {},
        body,
        timeoutMs: this.options.timeoutMs,
      });
      this.lastAnswer = response.status < 500;
      // Paths carry patron ids, never card numbers or CPR (those travel in bodies, never logged).
      this.options.log.debug(
        { method, path, status: response.status, ms: Math.round(performance.now() - started) },
        'fbs call',
      );
      return response;
    } catch (error) {
      if (error instanceof HttpFailure) {
        this.lastAnswer = false;
        this.options.log.warn(
          { method, path, failure: error.kind, ms: Math.round(performance.now() - started) },
          'fbs call failed',
        );
        throw new FbsError(
          error.kind === 'too-large' ? 'bad-response' : 'unavailable',
          `FBS ${error.kind}: ${error.message}`,
        );
      }
      throw error;
    }
  }
}

function checkStatus(response: HttpResponse, what: string): string {
  if (response.status >= 200 && response.status < 300) return response.text;
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    throw new FbsError('unavailable', `FBS answered HTTP ${response.status} for the ${what}`, {
      status: response.status,
    });
  }
  throw new FbsError('bad-response', `FBS refused the request for the ${what}: HTTP ${response.status}`, {
    status: response.status,
  });
}

function patronRefFrom(answer: z.infer<typeof PatronAuthenticationResponse>): PatronRef {
  switch (answer.authenticateStatus) {
    case 'VALID':
      if (!answer.patronId) throw new FbsError('bad-response', 'FBS said VALID without a patron id');
      return { patronId: answer.patronId, patronType: answer.patronType ?? null };
    case 'LOANER_LOCKED_OUT':
      throw new FbsError('locked-out', 'too many wrong PINs: the card is locked for now');
    default:
      // INVALID, or a status this kiosk does not know: treat as not authenticated.
      throw new FbsError('invalid-credentials', 'unknown card or wrong PIN');
  }
}

function checkedPatronId(patronId: string): string {
  // An int64: 2^63 and above would be refused by FBS (or wrap), never a patron.
  if (!PATRON_ID.test(patronId) || BigInt(patronId) > 2n ** 63n - 1n)
    throw new Error(`not an FBS patron id: ${patronId}`);
  return patronId;
}

/** Under 18 on `today`, from a birthday FBS gives as YYYY-MM-DD (anything else: not known). */
export function isChild(birthday: string | null, today: Date): boolean {
  const match = birthday ? /^(\d{4})-(\d{2})-(\d{2})/.exec(birthday) : null;
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  let age = today.getUTCFullYear() - year;
  const hadBirthday =
    today.getUTCMonth() + 1 > month || (today.getUTCMonth() + 1 === month && today.getUTCDate() >= day);
  if (!hadBirthday) age--;
  return age < ADULT_AGE;
}
