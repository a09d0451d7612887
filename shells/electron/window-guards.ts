/**
 * Rules for the kiosk window that need no Electron to check, so they are unit-tested here
 * (this machine has no Electron binary).
 */

/** The parts of Electron's `before-input-event` input the rules look at. */
export interface KeyInput {
  readonly type: string;
  readonly key: string;
  readonly control: boolean;
  readonly meta: boolean;
  readonly alt: boolean;
}

/**
 * Keys a borrower must not be able to use on the kiosk's keyboard (or a keyboard-emulating
 * scanner gone wrong): every Ctrl/Cmd combination (reload, zoom, print, devtools, close, find),
 * the function keys (F5 reload, F11 full screen, F12 devtools) and Alt+arrows (back/forward).
 * Plain typing, Enter, Tab, Backspace and the arrows still reach the page.
 */
export function isBlockedShortcut(input: KeyInput): boolean {
  if (input.type !== 'keyDown' && input.type !== 'rawKeyDown') return false;
  if (input.control || input.meta) return true;
  if (/^F\d{1,2}$/u.test(input.key)) return true;
  if (input.alt && (input.key === 'ArrowLeft' || input.key === 'ArrowRight' || input.key === 'Home')) return true;
  return false;
}

/**
 * A renderer that crashes is reloaded, but one that keeps crashing (a bad build, a page that
 * dies on load) would spin forever and hide the fault: after `maxCrashes` within `windowMs` the
 * shell gives up and shows the out-of-order page until a technician looks.
 */
export class CrashLoopBreaker {
  private readonly crashes: number[] = [];

  constructor(
    private readonly options: { readonly maxCrashes: number; readonly windowMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  recordCrash(): 'reload' | 'give-up' {
    const now = this.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && (this.crashes[0] ?? now) <= now - this.options.windowMs) this.crashes.shift();
    return this.crashes.length >= this.options.maxCrashes ? 'give-up' : 'reload';
  }
}
