import { DEFAULT_WEDGE_OPTIONS, WedgeDetector, type WedgeClock } from '../../../renderer/src/scanner/wedge.js';

// Test page glue: records scans, and keys that reach the page, where the test can read them.
// The detector runs on a clock the test moves (`advance`): the keys themselves are real
// (Playwright's keyboard through Chromium's input pipeline), the time between them is the test's.
const page = window as unknown as {
  scans: string[];
  misreads: number;
  startWedge(options: object): void;
  advance(ms: number): void;
};
page.scans = [];
page.misreads = 0;

let now = 0;
let timers: { at: number; callback: () => void }[] = [];
const clock: WedgeClock = {
  keyTime: () => now,
  after: (ms, callback) => {
    const timer = { at: now + ms, callback };
    timers.push(timer);
    return () => {
      timers = timers.filter((t) => t !== timer);
    };
  },
};

/** Moves the clock on, firing in order every timer that falls due on the way. */
page.advance = (ms) => {
  const until = now + ms;
  for (;;) {
    const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
    if (!due) break;
    timers = timers.filter((t) => t !== due);
    now = due.at;
    due.callback();
  }
  now = until;
};

page.startWedge = (options) => {
  new WedgeDetector(
    window,
    { ...DEFAULT_WEDGE_OPTIONS, ...options },
    (code) => page.scans.push(code),
    clock,
    () => (page.misreads += 1),
  );
  window.addEventListener('keydown', (event) => {
    const keys = document.getElementById('keys');
    if (keys && event.key.length === 1 && document.activeElement === document.body) keys.textContent += event.key;
  });
};
