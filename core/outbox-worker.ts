import type { LeasedRow, OutboxStore } from '../db/outbox.js';
import { fullJitterBackoff } from '../base/backoff.js';
import { faultPoint } from '../base/faults.js';
import type { Logger } from '../base/log.js';
import type { DeliveryResult, TargetHandler } from '../ports/outbox-target.js';

export interface OutboxWorkerOptions {
  readonly concurrency: number;
  readonly callTimeoutMs: number;
  readonly leaseMs: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly pollIntervalMs: number;
}

export class OutboxWorker {
  private readonly handlers = new Map<string, TargetHandler>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: OutboxStore,
    private readonly options: OutboxWorkerOptions,
    private readonly log: Logger,
    /** The same clock as the store's (tests move it to skip backoff waits). */
    private readonly now: () => number = Date.now,
  ) {}

  register(target: string, handler: TargetHandler): void {
    if (this.handlers.has(target)) throw new Error(`outbox target ${target} registered twice`);
    this.handlers.set(target, handler);
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Stops leasing new rows and waits for the calls in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Look for due rows now (after an enqueue, or when the network came back). */
  wake(): void {
    if (!this.running || this.pumping) return;
    this.pumping = true;
    try {
      this.pump();
    } catch (error) {
      // The database refused to lease (disk full, I/O error): try again on the next poll.
      this.log.error({ err: error }, 'outbox could not lease rows; will retry');
      this.schedule(this.options.pollIntervalMs);
    } finally {
      this.pumping = false;
    }
  }

  private pump(): void {
    // While calls are in flight, refill in small batches: one lease transaction (a durable
    // commit) per few rows instead of one per finished call. Measured: npm run bench.
    const batch = this.inFlight === 0 ? 1 : Math.max(1, Math.floor(this.options.concurrency / 4));
    if (this.options.concurrency - this.inFlight >= batch) {
      const free = this.options.concurrency - this.inFlight;
      const rows = this.store.leaseDue(free, this.options.leaseMs, this.options.maxBackoffMs);
      for (const row of rows) {
        this.inFlight++;
        this.deliver(row)
          .catch((error: unknown) => {
            // The outcome could not be written. The row stays leased; when the lease expires it
            // is sent again with the same key, which the receiver recognises.
            this.log.error(
              { err: error, outboxId: row.id },
              'outbox could not record the outcome; the lease will expire and the row be retried',
            );
          })
          .finally(() => {
            this.inFlight--;
            if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
            this.wake();
          });
      }
    }
    // Waiting for slots (fewer free than a batch): a finishing call wakes the worker, the poll is
    // only a fallback. Otherwise sleep until the next row is due (a delay of 0 here would spin).
    const waitingForSlots = this.inFlight > 0 && this.options.concurrency - this.inFlight < batch;
    this.schedule(waitingForSlots ? this.options.pollIntervalMs : undefined);
  }

  private schedule(delayMs?: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    let delay = delayMs;
    if (delay === undefined) {
      const nextDue = this.store.nextDueAt();
      const untilDue = nextDue === null ? Infinity : Math.max(0, nextDue - this.now());
      delay = Math.min(this.options.pollIntervalMs, untilDue);
    }
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private async deliver(row: LeasedRow): Promise<void> {
    faultPoint('outbox.after-lease');
    const result = await this.attempt(row);
    faultPoint('outbox.after-remote-call');
    const context = { outboxId: row.id, target: row.target, attempt: row.attempts, paymentId: row.paymentId };
    let kept: boolean;
    switch (result.kind) {
      case 'delivered':
        kept = this.store.markDelivered(row, result.result);
        faultPoint('outbox.after-mark-delivered');
        this.log.info(context, 'outbox delivered');
        if (kept && row.attempts > 1) this.log.info(context, 'target answering again: its waiting rows are due now');
        break;
      case 'permanent':
        kept = this.store.markRejected(row, result.error, result.result);
        this.log.error({ ...context, error: result.error }, 'outbox rejected: needs staff');
        break;
      case 'transient': {
        const delay = fullJitterBackoff(row.attempts, this.options.baseBackoffMs, this.options.maxBackoffMs);
        kept = this.store.markRetry(row, result.error, delay);
        this.log.warn({ ...context, error: result.error, retryInMs: delay }, 'outbox attempt failed; will retry');
        break;
      }
    }
    if (!kept)
      this.log.warn(context, 'outbox lease expired before the attempt finished; result left to the newer attempt');
  }

  private async attempt(row: LeasedRow): Promise<DeliveryResult> {
    const handler = this.handlers.get(row.target);
    if (!handler) {
      // Not a rejection: the row waits until a build with this target runs.
      return { kind: 'transient', error: `no handler registered for target ${row.target}` };
    }
    // A timer per call, cleared when the call ends (AbortSignal.timeout would keep every
    // timer alive for the full timeout, thousands of them under a backlog).
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<DeliveryResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`timed out after ${this.options.callTimeoutMs} ms`));
        resolve({ kind: 'transient', error: `timed out after ${this.options.callTimeoutMs} ms` });
      }, this.options.callTimeoutMs);
    });
    try {
      return await Promise.race([
        handler({
          target: row.target,
          idempotencyKey: row.idempotencyKey,
          payload: row.payload,
          attempt: row.attempts,
          signal: controller.signal,
        }),
        timedOut,
      ]);
    } catch (error) {
      return { kind: 'transient', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
