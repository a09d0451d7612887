/**
 * The one pending "look again" of a scanner source: reconnect attempts while the device is
 * absent, presence checks while it is there. Scheduling replaces what was pending; after stop()
 * nothing runs. Unref'd: a scanner being looked for never keeps the process alive.
 */
export class PollTimer {
  private timer: NodeJS.Timeout | null = null;
  private isStopped = false;

  constructor(private readonly intervalMs: number) {}

  get stopped(): boolean {
    return this.isStopped;
  }

  schedule(next: () => Promise<void>): void {
    if (this.isStopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void next();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
