import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Logger } from '../../base/log.js';
import type { OeirClient } from './client.js';
import { OeirError } from './errors.js';
import type { DebtorPayment, DebtorReceipt, SubClaimStatus } from './mapping.js';
import { messageOf } from '../../base/errors.js';

/** Whether the kiosk can reach ØiR now, for the borrower's and the staff's screens. */
export interface LinkStatus {
  readonly online: boolean;
  readonly since: string;
  /** Why it went offline, for staff and technicians. */
  readonly reason: string | null;
}

export interface LinkOptions {
  /** Consecutive technical failures that take the link offline. */
  readonly failuresToOpen: number;
  /** How long to wait before trying again once offline. */
  readonly halfOpenAfterMs: number;
}

/**
 * ØiR calls behind a circuit breaker: after a run of technical failures (not business refusals)
 * the link goes offline and calls fail at once for a while instead of hammering a dead endpoint;
 * then one call is let through to see whether it is back. The status is published to listeners.
 */
export class OeirLink {
  private readonly breaker: CircuitBreakerPolicy;
  private current: LinkStatus = { online: true, since: new Date().toISOString(), reason: null };
  private lastFailure: string | null = null;
  private readonly listeners = new Set<(status: LinkStatus) => void>();

  constructor(
    private readonly client: OeirClient,
    options: LinkOptions,
    private readonly log: Logger,
  ) {
    this.breaker = circuitBreaker(
      // A refusal of the message (business or invalid) says nothing about the link being down.
      handleWhen((e) => !(e instanceof OeirError && (e.kind === 'business' || e.kind === 'invalid-request'))),
      { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failuresToOpen) },
    );
    // Only real changes are published: a failed probe while offline re-opens the breaker, but
    // the link was offline all along (and `since` keeps the start of the outage).
    this.breaker.onStateChange((state) => {
      if (state === CircuitState.Open && this.current.online) {
        this.publish({ online: false, since: new Date().toISOString(), reason: this.lastFailure });
      }
      if (state === CircuitState.Closed && !this.current.online) {
        this.publish({ online: true, since: new Date().toISOString(), reason: null });
      }
    });
  }

  get status(): LinkStatus {
    return this.current;
  }

  onStatus(listener: (status: LinkStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pay(payment: DebtorPayment): Promise<DebtorReceipt> {
    return this.call(() => this.client.foretagIndbetaling(payment));
  }

  search(feeIds: readonly string[]): Promise<SubClaimStatus[]> {
    return this.call(() => this.client.soegDelfordringer(feeIds));
  }

  close(): void {
    this.client.close();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(async () => {
        try {
          return await fn();
        } catch (error) {
          if (!(error instanceof OeirError && error.kind === 'business')) this.lastFailure = messageOf(error);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new OeirError(
          'transport',
          `ØiR is offline (${this.lastFailure ?? 'repeated failures'}); not calling for now`,
        );
      }
      throw error;
    }
  }

  private publish(status: LinkStatus): void {
    this.current = status;
    this.log[status.online ? 'info' : 'warn']({ oeir: status }, status.online ? 'ØiR is online' : 'ØiR is offline');
    for (const listener of this.listeners) listener(status);
  }
}
