/**
 * Benchmarks of the kiosk as a borrower meets it (browser mode, Debian's Chromium):
 *   - scan → claims on screen, with the FBS sandbox at zero added latency, against the same
 *     FBS round trip made as bare HTTP calls;
 *   - start → the attract screen (the installed kiosk, its first start ever, and `npm start`);
 *   - the renderer bundle's size, raw and gzipped.
 */
import { chromium, type Browser, type Page } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bootKiosk } from '../app/boot.js';
import { startBrowserMode } from '../shells/browser/browser-mode.js';
import { screenSettings } from '../shells/serve/screen-settings.js';
import { parseConfig } from '../config/config.js';
import { createLogger } from '../base/log.js';
import { bareFbsIdentify } from './bare-fbs.js';
import { ratio, stats } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rendererDir = join(root, 'renderer', 'dist');
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** The little of the browser the page-side functions use (this file is compiled for Node). */
interface PageElement {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  click(): void;
}
interface PageGlobals {
  readonly document: {
    readonly body: object;
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  readonly MutationObserver: new (callback: () => void) => {
    observe(target: object, options: object): void;
    disconnect(): void;
  };
  requestAnimationFrame(callback: () => void): void;
  readonly performance: { readonly timeOrigin: number; now(): number };
  shownAt?: number;
}

/**
 * In the page: the wall-clock time (ms since the epoch, sub-millisecond) at which the kiosk
 * first shows `screen` after this call, taken in the first animation frame after the DOM
 * changed, i.e. when it is painted.
 */
function armScreenTimer(page: Page, screen: string): Promise<void> {
  return page.evaluate((wanted) => {
    const g = globalThis as unknown as PageGlobals;
    delete g.shownAt;
    const observer = new g.MutationObserver(() => {
      if (g.document.querySelector('.kiosk')?.getAttribute('data-screen') !== wanted) return;
      observer.disconnect();
      g.requestAnimationFrame(() => (g.shownAt = g.performance.timeOrigin + g.performance.now()));
    });
    observer.observe(g.document.body, { subtree: true, attributes: true, childList: true });
  }, screen);
}

/** Presses a button in the page and returns the wall-clock time it was pressed. */
function pressAt(page: Page, label: string): Promise<number> {
  return page.evaluate((text) => {
    const g = globalThis as unknown as PageGlobals;
    const button = Array.from(g.document.querySelectorAll('button')).find((b) => b.textContent === text);
    if (!button) throw new Error(`no button ${text}`);
    const at = g.performance.timeOrigin + g.performance.now();
    button.click();
    return at;
  }, label);
}

async function shownAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => (globalThis as unknown as PageGlobals).shownAt);
  return (await handle.jsonValue()) as number;
}

const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * One borrower, over and over: the card arrives at the core as a scanner's code (t0), the PIN
 * screen is painted; the PIN is keyed on the on-screen keypad (the person's time, not counted),
 * OK is pressed (t1) and the claims are painted (t2). scan-to-claims = (pin painted - t0) +
 * (t2 - t1). The baseline is the FBS part alone as bare HTTP calls to the same sandbox:
 * authenticate, then patron and fees in parallel, as the client does.
 */
export async function benchScanToClaims(iterations: number): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'));
  const log = createLogger({ level: 'silent' });
  const config = parseConfig({ log: { level: 'fatal' }, ui: { idleTimeoutMs: 600_000, idleWarningMs: 15_000 } });
  const kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log });
  const browserMode = await startBrowserMode(kiosk, {
    rendererDir,
    port: 0,
    version: 'bench',
    settings: screenSettings(config),
    log,
  });
  const browser = await launchChromium();
  let bareClient: { close(): Promise<void> } | null = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1080, height: 1440 } });
    await page.goto(browserMode.url);
    await page.locator('.kiosk[data-screen="attract"][data-connected="true"]').waitFor();

    const fbs = await bareFbsIdentify(kiosk.sandboxes.fbs!.url);
    bareClient = fbs;
    const bare = async (): Promise<number> => {
      const start = performance.now();
      await fbs.identify('1000000004', '4444');
      return performance.now() - start;
    };

    const screen = async (): Promise<{ scanToPin: number; pinToClaims: number }> => {
      await armScreenTimer(page, 'pin');
      const t0 = wallClock();
      kiosk.scanners.submit('bench', '1000000004');
      const pinShown = await shownAt(page);
      for (const digit of '4444') await page.getByRole('button', { name: `Tal ${digit}` }).click();
      await armScreenTimer(page, 'claims');
      const t1 = await pressAt(page, 'OK');
      const claimsShown = await shownAt(page);
      await page.getByRole('button', { name: 'Start forfra' }).click();
      await page.locator('.kiosk[data-screen="attract"]').waitFor();
      return { scanToPin: pinShown - t0, pinToClaims: claimsShown - t1 };
    };

    // Warm up both paths (JIT, connections), then interleave so drift hits both alike.
    for (let i = 0; i < 10; i++) {
      await bare();
      await screen();
    }
    const bareMs: number[] = [];
    const scanToPin: number[] = [];
    const pinToClaims: number[] = [];
    const scanToClaims: number[] = [];
    for (let i = 0; i < iterations; i++) {
      bareMs.push(await bare());
      const s = await screen();
      scanToPin.push(s.scanToPin);
      pinToClaims.push(s.pinToClaims);
      scanToClaims.push(s.scanToPin + s.pinToClaims);
    }
    const b = stats(bareMs);
    const c = stats(scanToClaims);
    return {
      borrower: 'demo card 1000000004 (4 claims, materials); FBS sandbox in-process, no added latency',
      scanToClaimsOnScreenMs: c,
      ofWhichScanToPinScreenMs: stats(scanToPin),
      ofWhichPinToClaimsOnScreenMs: stats(pinToClaims),
      bareFbsHttpMs: b,
      screenOverBareRatio: { p50: ratio(c.p50, b.p50), p95: ratio(c.p95, b.p95) },
    };
  } finally {
    await browser.close();
    await bareClient?.close();
    await browserMode.close();
    await kiosk.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `npm start` (browser mode, demo configuration, a fresh data folder) until the attract screen
 * is painted in an already running Chromium: the renderer build, the core's boot (database,
 * sandboxes, simulator, printer) and the first screen. Baseline: `node -e 0` started the same way.
 */
/** One start of the kiosk in browser mode: time until it prints its URL and until the attract screen is painted. */
async function startOnce(
  page: Page,
  command: readonly string[],
  dataDir: string,
): Promise<{ toUrlMs: number; toAttractMs: number }> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: {
      ...process.env,
      KIOSK_BROWSER_MODE: '1',
      KIOSK_DATA_DIR: dataDir,
      KIOSK_CONFIG: join(dataDir, 'config.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Open (http:\/\/127\.0\.0\.1:\d+\/#token=\S+) in a browser/u.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`${command.join(' ')} exited (${code}) before printing its URL`)));
    });
    const toUrlMs = performance.now() - started;
    await page.goto(url);
    await page.locator('.kiosk[data-screen="attract"][data-connected="true"]').waitFor();
    await page.evaluate(
      () => new Promise((resolve) => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => resolve(null))),
    );
    return { toUrlMs, toAttractMs: performance.now() - started };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

function freshDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-start-'));
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ log: { level: 'warn' } }));
  return dataDir;
}

/**
 * Start → attract screen, three ways, against bare `node -e 0`:
 *   - the installed kiosk (`node dist/shells/start.js`, what a kiosk runs) starting again on its
 *     own data folder, the everyday start;
 *   - the same on a brand-new data folder (first start ever: database made, demo keys made);
 *   - `npm start` from a source checkout whose screen has not changed (no rebuild).
 * The built kiosk is built once first (`npm run build`); a first `npm start` is not counted
 * (it may rebuild the screen).
 */
export async function benchStartToAttract(runs: number): Promise<Record<string, unknown>> {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const browser = await launchChromium();
  const kept = freshDataDir();
  const installed = [process.execPath, join(root, 'dist/shells/start.js')];
  const npmStart = ['npm', 'start', '--silent'];
  try {
    const page = await browser.newPage();
    const everyday: number[] = [];
    const everydayUrl: number[] = [];
    const firstEver: number[] = [];
    const fromSource: number[] = [];
    const nodeStart: number[] = [];
    await startOnce(page, npmStart, kept); // not counted: may rebuild the screen, makes the kept keys
    for (let i = 0; i < runs; i++) {
      const again = await startOnce(page, installed, kept);
      everyday.push(again.toAttractMs);
      everydayUrl.push(again.toUrlMs);
      const fresh = freshDataDir();
      try {
        firstEver.push((await startOnce(page, installed, fresh)).toAttractMs);
      } finally {
        rmSync(fresh, { recursive: true, force: true });
      }
      fromSource.push((await startOnce(page, npmStart, kept)).toAttractMs);
      const nodeStarted = performance.now();
      await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).once('exit', resolve));
      nodeStart.push(performance.now() - nodeStarted);
    }
    const a = stats(everyday);
    const n = stats(nodeStart);
    return {
      runs,
      note: 'browser mode, demo configuration; Chromium already running; attract screen = connected and painted',
      installedStartToUrlPrintedMs: stats(everydayUrl),
      installedStartToAttractScreenMs: a,
      installedFirstStartEverToAttractScreenMs: stats(firstEver),
      npmStartUnchangedScreenToAttractScreenMs: stats(fromSource),
      bareNodeStartMs: n,
      startOverNodeRatio: { p50: ratio(a.p50, n.p50) },
    };
  } finally {
    await browser.close();
    rmSync(kept, { recursive: true, force: true });
  }
}

/** The built renderer (what a kiosk loads), raw and gzipped at level 9, per file and in total. */
export function rendererBundleSize(): Record<string, unknown> {
  const assets = join(rendererDir, 'assets');
  const files = readdirSync(assets).map((name) => {
    const bytes = readFileSync(join(assets, name));
    return { name, rawBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
  const html = readFileSync(join(rendererDir, 'index.html'));
  const totalGzipBytes = files.reduce((sum, f) => sum + f.gzipBytes, gzipSync(html, { level: 9 }).length);
  // Baseline: React and ReactDOM's own production builds, which any React screen ships.
  const framework = [
    'react/cjs/react.production.js',
    'react-dom/cjs/react-dom-client.production.js',
    'react-dom/cjs/react-dom.production.js',
  ].map((file) => readFileSync(join(root, 'node_modules', file)));
  const frameworkGzipBytes = framework.reduce((sum, bytes) => sum + gzipSync(bytes, { level: 9 }).length, 0);
  return {
    files,
    totalRawBytes: files.reduce((sum, f) => sum + f.rawBytes, html.length),
    totalGzipBytes,
    reactAndReactDomGzipBytes: frameworkGzipBytes,
    bundleOverReactRatio: ratio(totalGzipBytes, frameworkGzipBytes),
  };
}
