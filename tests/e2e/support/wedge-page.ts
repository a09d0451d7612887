import { DEFAULT_WEDGE_OPTIONS, WedgeDetector } from '../../../renderer/src/scanner/wedge.js';

// Test page glue: records scans, and keys that reach the page, where the test can read them.
const page = window as unknown as { scans: string[]; startWedge(options: object): void };
page.scans = [];
page.startWedge = (options) => {
  new WedgeDetector(window, { ...DEFAULT_WEDGE_OPTIONS, ...options }, (code) => page.scans.push(code));
  window.addEventListener('keydown', (event) => {
    const keys = document.getElementById('keys');
    if (keys && event.key.length === 1 && document.activeElement === document.body) keys.textContent += event.key;
  });
};
