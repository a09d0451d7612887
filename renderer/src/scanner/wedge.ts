/**
 * Keyboard-wedge scanners type a code as a burst of key presses, a few milliseconds apart,
 * usually ended by Enter. People type ten times slower. The detector sits in front of the page
 * (a capture-phase listener on the window) so a scan is caught wherever the focus is, and is
 * never typed into a field:
 *
 * - every printable key is held back for `maxInterKeyMs`;
 * - keys that keep coming faster than that form a burst; a burst of at least `minLength`
 *   characters ended by the suffix key (or, with no suffix configured, by silence) is a scan;
 * - anything else (a person typing, a short burst) is released to the element that had the
 *   focus, in order, as if it had not been held (the only cost: `maxInterKeyMs` of delay).
 *
 * Modifier keys alone (the Shift a scanner presses for a capital letter) neither break nor join
 * a burst; keys with Ctrl/Alt/Meta are shortcuts and pass straight through.
 */
export interface WedgeOptions {
  /**
   * Longest gap between two keys of one scan. Scanners send keys 1-15 ms apart by default
   * (Datalogic and Honeywell wedge manuals: intercharacter delay 0 by default, settable up to
   * 990 ms); Bluetooth wedges are set to 12-50 ms (MagTek BulleT KB); a busy renderer adds
   * tens of ms. People type 80 ms apart and slower, and a kiosk's borrower has no keyboard.
   */
  readonly maxInterKeyMs: number;
  /** Shortest code taken for a scan. */
  readonly minLength: number;
  /** The key the scanner ends a code with, or null when it sends none. */
  readonly suffixKey: 'Enter' | 'Tab' | null;
}

export const DEFAULT_WEDGE_OPTIONS: WedgeOptions = { maxInterKeyMs: 100, minLength: 6, suffixKey: 'Enter' };

/**
 * Where the detector's time comes from. In the kiosk: the moment each key was pressed
 * (`event.timeStamp`, so a busy renderer that handles keys late does not turn a scan into
 * typing) and the browser's timers. Tests give it a clock they move themselves, so what a test
 * checks about timing does not depend on how fast the machine is.
 */
export interface WedgeClock {
  keyTime(event: KeyboardEvent): number;
  /** Calls back after `ms`; returns what cancels it. */
  after(ms: number, callback: () => void): () => void;
}

export const BROWSER_CLOCK: WedgeClock = {
  keyTime: (event) => event.timeStamp,
  after: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

interface HeldKey {
  readonly key: string;
  readonly target: EventTarget | null;
}

const MODIFIERS = new Set(['Shift', 'CapsLock', 'AltGraph']);

export class WedgeDetector {
  private held: HeldKey[] = [];
  private lastKeyAt = 0;
  /** Printable keys since the last other key, held or released: a slow scan is still seen whole. */
  private run: { count: number; editable: boolean } = { count: 0, editable: false };
  private cancelTimer: (() => void) | null = null;
  private readonly replayed = new WeakSet<Event>();
  private readonly listener = (event: KeyboardEvent) => this.onKeyDown(event);

  constructor(
    private readonly win: Window,
    private readonly options: WedgeOptions,
    private readonly onScan: (code: string) => void,
    private readonly clock: WedgeClock = BROWSER_CLOCK,
    /**
     * A burst of at least `minLength` characters ended by the suffix key, too slow to be taken
     * for a scan, typed where no field takes typing: most likely a scanner slowed down, so the
     * screen says the card was not read instead of nothing happening.
     */
    private readonly onMisread: () => void = () => {},
  ) {
    win.addEventListener('keydown', this.listener, { capture: true });
  }

  dispose(): void {
    this.win.removeEventListener('keydown', this.listener, { capture: true });
    this.release();
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (this.replayed.has(event) || event.isComposing) return;
    if (MODIFIERS.has(event.key)) return;
    if (event.ctrlKey || event.metaKey || event.altKey) {
      this.release();
      return;
    }
    const gapOk = this.held.length > 0 && this.clock.keyTime(event) - this.lastKeyAt <= this.options.maxInterKeyMs;

    if (event.key === this.options.suffixKey) {
      const run = this.run;
      this.run = { count: 0, editable: false };
      if (gapOk && this.held.length >= this.options.minLength) {
        event.preventDefault();
        event.stopImmediatePropagation();
        this.scanned();
        return;
      }
      this.release(); // a person pressed Enter: what they typed first, then the Enter itself
      if (run.count >= this.options.minLength && !run.editable) this.onMisread();
      return;
    }

    if (event.key.length !== 1) {
      // Backspace, arrows, Escape…: a person. Release what is held, then let the key act.
      this.run = { count: 0, editable: false };
      this.release();
      return;
    }

    this.run = {
      count: this.run.count + 1,
      editable: this.run.editable || (event.target instanceof HTMLElement && isEditable(event.target)),
    };
    if (this.held.length > 0 && !gapOk) this.release();
    event.preventDefault();
    event.stopImmediatePropagation();
    this.held.push({ key: event.key, target: event.target });
    this.lastKeyAt = this.clock.keyTime(event);
    this.cancelTimer?.();
    this.cancelTimer = this.clock.after(this.options.maxInterKeyMs + 1, () => this.onSilence());
  }

  private onSilence(): void {
    this.cancelTimer = null;
    if (this.options.suffixKey === null && this.held.length >= this.options.minLength) this.scanned();
    else this.release();
  }

  private scanned(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const code = this.held.map((k) => k.key).join('');
    this.held = [];
    this.onScan(code);
  }

  /** Gives held keys back to where they were going, in order. */
  private release(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const keys = this.held;
    this.held = [];
    for (const { key, target } of keys) this.deliver(key, target);
  }

  private deliver(key: string, target: EventTarget | null): void {
    const doc = this.win.document;
    const element = target instanceof HTMLElement ? target : null;
    const editable = element && isEditable(element);
    // Re-dispatch the key so page handlers see it; our own listener lets it through.
    const replay = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
    this.replayed.add(replay);
    const notCancelled = (element ?? doc.body).dispatchEvent(replay);
    if (!notCancelled || !editable) return;
    // A synthetic key event types nothing: insert the character as typing would.
    if (doc.activeElement === element && doc.execCommand('insertText', false, key)) return;
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
      const start = element.selectionStart ?? element.value.length;
      const end = element.selectionEnd ?? start;
      element.setRangeText(key, start, end, 'end');
      element.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: key }));
    }
  }
}

function isEditable(element: HTMLElement): boolean {
  if (element.isContentEditable) return true;
  if (element instanceof HTMLTextAreaElement) return !element.readOnly && !element.disabled;
  if (element instanceof HTMLInputElement) {
    const typed = ['text', 'search', 'tel', 'url', 'email', 'password', 'number', ''];
    return typed.includes(element.type) && !element.readOnly && !element.disabled;
  }
  return false;
}
