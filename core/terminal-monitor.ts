import type { PaymentTerminal, TerminalHealth } from '../ports/payment-terminal.js';
import type { Logger } from '../base/log.js';
import { messageOf } from '../base/errors.js';

/**
 * Knows whether card payment is possible right now. It asks the terminal (login) at start and
 * at an interval, and the checkout tells it what it learns on the way (a refused connection, a
 * logged-out answer). When the terminal is unavailable the kiosk shows "card payment
 * unavailable" and starts no checkout.
 */
export class TerminalMonitor {
  private health: TerminalHealth = { available: false, reason: 'error', detail: 'not checked yet' };
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(health: TerminalHealth) => void>();

  constructor(
    private readonly terminal: PaymentTerminal,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  get current(): TerminalHealth {
    return this.health;
  }

  async check(): Promise<TerminalHealth> {
    this.report(await this.terminal.health());
    return this.health;
  }

  report(health: TerminalHealth): void {
    const changed =
      health.available !== this.health.available ||
      (!health.available && !this.health.available && health.reason !== this.health.reason);
    this.health = health;
    if (!changed) return;
    if (health.available) this.log.info('card payment available');
    else this.log.warn({ reason: health.reason, detail: health.detail }, 'card payment unavailable');
    for (const listener of this.listeners) listener(health);
  }

  onChange(listener: (health: TerminalHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      this.check().catch((error: unknown) => this.log.error({ error: messageOf(error) }, 'terminal check failed'));
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
