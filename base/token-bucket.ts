/**
 * A token bucket: `burst` actions at once, then `perSecond` on average. Used to bound what one
 * client may ask of the kiosk (commands on the screen's socket), so a flood is cut off instead
 * of queueing work and answers in memory. The clock is passed in, so tests feed the time.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty (the action is over the limit). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
