/**
 * One stream of scans from every scanner the kiosk has. Sources (serial, HID-POS, the renderer's
 * keyboard-wedge detector) hand their codes to the hub; listeners (the checkout) see one event
 * per scan, whichever scanner it came from.
 *
 * Debounce: a scanner in presentation mode re-reads a card held in front of it, and a borrower
 * may scan twice in a hurry. The same code seen again within `debounceMs` of the last time it
 * was seen (from any source) is dropped, so a card held in place counts once.
 */
export interface ScanSeen {
  readonly type: 'scan';
  readonly code: string;
  readonly source: string;
  readonly at: number;
}

/** Something arrived that is not a code (noise, a wrong prefix, a wrong baud rate…). */
export interface ScanUnreadable {
  readonly type: 'unreadable';
  readonly source: string;
  readonly reason: string;
  readonly at: number;
}

export type ScanEvent = ScanSeen | ScanUnreadable;

export type SourceKind = 'serial' | 'hid-pos' | 'wedge';

export interface SourceStatus {
  readonly id: string;
  readonly kind: SourceKind;
  /** connected: reading; waiting: device absent, looking for it; unavailable: cannot work here (driver missing…). */
  readonly state: 'connected' | 'waiting' | 'unavailable' | 'stopped';
  /** For people: which device, or what is wrong and what to do. */
  readonly detail: string;
  readonly since: number;
}

/** What a source gets from the hub. */
export interface ScanSink {
  code(code: string): void;
  unreadable(reason: string): void;
  status(state: SourceStatus['state'], detail: string): void;
}

export interface ScanSource {
  readonly id: string;
  readonly kind: SourceKind;
  start(sink: ScanSink): void;
  stop(): Promise<void>;
}

export interface ScanHubOptions {
  readonly debounceMs: number;
  readonly now?: () => number;
}

export class ScanHub {
  private readonly listeners = new Set<(event: ScanEvent) => void>();
  private readonly statuses = new Map<string, SourceStatus>();
  private readonly sources = new Map<string, ScanSource>();
  private readonly lastSeen = new Map<string, number>();
  private readonly now: () => number;
  private droppedAsRepeats = 0;

  constructor(private readonly options: ScanHubOptions) {
    this.now = options.now ?? Date.now;
  }

  add(source: ScanSource): void {
    if (this.sources.has(source.id)) throw new Error(`scanner source ${source.id} is already added`);
    this.sources.set(source.id, source);
    this.setStatus(source, 'waiting', 'starting');
    source.start({
      code: (code) => this.submit(source.id, code),
      unreadable: (reason) => this.emit({ type: 'unreadable', source: source.id, reason, at: this.now() }),
      status: (state, detail) => this.setStatus(source, state, detail),
    });
  }

  /** A code from a source; also the entry point for the renderer's wedge detector. */
  submit(sourceId: string, code: string): void {
    const at = this.now();
    this.forgetOld(at);
    const last = this.lastSeen.get(code);
    this.lastSeen.set(code, at);
    if (last !== undefined && at - last < this.options.debounceMs) {
      this.droppedAsRepeats += 1;
      return;
    }
    this.emit({ type: 'scan', code, source: sourceId, at });
  }

  onScan(listener: (event: ScanEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): SourceStatus[] {
    return [...this.statuses.values()];
  }

  /** Scans dropped as repeats since start (for diagnostics). */
  get repeatsDropped(): number {
    return this.droppedAsRepeats;
  }

  async stop(): Promise<void> {
    const sources = [...this.sources.values()];
    this.sources.clear();
    await Promise.allSettled(sources.map((source) => source.stop()));
    for (const source of sources) this.setStatus(source, 'stopped', 'stopped');
    this.listeners.clear();
  }

  private emit(event: ScanEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing listener must not cost the other listeners their scan.
      }
    }
  }

  /**
   * A new session has begun: the next borrower (or the same one starting over) may scan the
   * card that was just scanned, and must not have it swallowed as a repeat.
   */
  forgetRecent(): void {
    this.lastSeen.clear();
  }

  private setStatus(source: ScanSource, state: SourceStatus['state'], detail: string): void {
    const previous = this.statuses.get(source.id);
    if (previous && previous.state === state && previous.detail === detail) return;
    this.statuses.set(source.id, { id: source.id, kind: source.kind, state, detail, since: this.now() });
  }

  private forgetOld(at: number): void {
    if (this.lastSeen.size < 64) return;
    for (const [code, seen] of this.lastSeen) if (at - seen >= this.options.debounceMs) this.lastSeen.delete(code);
  }
}
