/**
 * The soak: complete checkouts in a row in browser mode, driven in Debian's Chromium as a
 * borrower would (card at the scanner, PIN on the keypad, pay, receipt, "Færdig"), against the
 * demo kiosk in its own process (bench/soak-core.ts). Every `every` checkouts the memory of the
 * core process (after a full GC; the simulators' own records cleared first, they are not the
 * kiosk) and of the renderer (JS heap after a collection, DOM nodes, event listeners, over CDP)
 * is sampled. Trends are least-squares lines over the samples after warm-up: over the whole run,
 * and over each half. Growth that slows down (caches filling to their bound, the JIT still
 * optimising, the allocator settling) has a second half flatter than its first; a leak keeps its
 * slope. So a figure counts as growing only if the line over the second half rises, over that
 * half, by more than twice the spread of those samples around it.
 *
 * Then, optionally, attribution: heap snapshots of core and renderer, `attributeOver` more
 * checkouts, snapshots again, and what each kept in between (bench/heap-diff.ts). This comes
 * after the sampled run because writing a snapshot leaves the process's RSS inflated (the
 * allocator keeps the pages), which would read as growth.
 */
import { chromium, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { diffSnapshots, keptSummary } from './heap-diff.js';
import { linearTrend } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];
const MB = 1024 * 1024;

interface Sample {
  readonly checkouts: number;
  readonly coreHeapUsedMb: number;
  readonly coreRssMb: number;
  readonly coreExternalMb: number;
  readonly coreHeapTotalMb: number;
  /** The core's resident set: anonymous memory (heaps) and file-backed pages (code, mapped files). */
  readonly coreRssAnonMb: number;
  readonly coreRssFileMb: number;
  /** The journal's database and its write-ahead log, which grow with every payment by design. */
  readonly databaseMb: number;
  readonly rendererHeapUsedMb: number;
  readonly rendererDomNodes: number;
  readonly rendererListeners: number;
  readonly settledPayments: number;
}

function trendOf(samples: readonly Sample[], key: keyof Sample): Record<string, number | boolean> {
  const fit = (part: readonly Sample[]) =>
    linearTrend(
      part.map((s) => s.checkouts),
      part.map((s) => s[key]),
    );
  const half = Math.floor(samples.length / 2);
  const whole = fit(samples);
  const secondHalf = samples.slice(half);
  const end = fit(secondHalf);
  const secondHalfRise = end.slope * (secondHalf[secondHalf.length - 1]!.checkouts - secondHalf[0]!.checkouts);
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return {
    first: samples[0]![key],
    last: samples[samples.length - 1]![key],
    lastOverFirstRatio: Math.round((samples[samples.length - 1]![key] / samples[0]![key]) * 100) / 100,
    slopePer1000Checkouts: round(whole.slope * 1000),
    firstHalfSlopePer1000: round(fit(samples.slice(0, half + 1)).slope * 1000),
    secondHalfSlopePer1000: round(end.slope * 1000),
    secondHalfRise: round(secondHalfRise),
    secondHalfNoise: round(end.residualStd),
    growsBeyondNoise: secondHalfRise > 2 * end.residualStd && secondHalfRise > 0,
  };
}

export interface SoakOptions {
  readonly every?: number;
  /**
   * Checkouts before the first sample. The first few hundred grow the core's heap by about a
   * megabyte as the JIT compiles and optimises the checkout path (measured: 1 MB between
   * checkouts 20 and 120, then a few hundred KB per thousand, slowing), which is not a leak.
   */
  readonly warmup?: number;
  /** Checkouts between the two heap snapshots taken after the sampled run (0: none). */
  readonly attributeOver?: number;
  readonly snapshotDir?: string;
}

export async function benchSoak(checkouts: number, options: SoakOptions = {}): Promise<Record<string, unknown>> {
  const { every = 100, warmup = 200, attributeOver = 0, snapshotDir = join(root, 'test-results', 'soak') } = options;
  if (attributeOver > 0) mkdirSync(snapshotDir, { recursive: true });
  // SOAK_CORE_WRAPPER runs the core under a profiler, e.g. `heaptrack -o /tmp/core` to see which
  // native allocations (outside the JS heap) a run keeps.
  const wrapper = (process.env.SOAK_CORE_WRAPPER ?? '').split(' ').filter(Boolean);
  const core = [process.execPath, '--expose-gc', '--import', 'tsx', 'bench/soak-core.ts'];
  const [command, ...args] = [...wrapper, ...core];
  const child = spawn(command!, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<Record<string, unknown>> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error('the soak kiosk exited');
      // A wrapper's own chatter (a profiler's banner) is passed through, not parsed.
      if ((value as string).startsWith('{')) return JSON.parse(value as string) as Record<string, unknown>;
      process.stderr.write(`${value as string}\n`);
    }
  };
  const send = (line: string): void => void child.stdin!.write(`${line}\n`);
  const { url } = (await nextLine()) as { url: string };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1080, height: 1440 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.locator('.kiosk[data-screen="attract"][data-connected="true"]').waitFor();

    const checkout = async (p: Page): Promise<void> => {
      send('scan 1000000002');
      await p.locator('.kiosk[data-screen="pin"]').waitFor();
      for (const digit of '2222') await p.getByRole('button', { name: `Tal ${digit}` }).click();
      await p.getByRole('button', { name: 'OK', exact: true }).click();
      await p.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
      await p.locator('.kiosk[data-screen="approved"]').waitFor({ timeout: 30_000 });
      await p.getByRole('button', { name: 'Færdig' }).click();
      await p.locator('.kiosk[data-screen="attract"]').waitFor();
      send('reset');
    };
    const sample = async (done: number): Promise<Sample> => {
      send('sample');
      const { memory, rss, databaseBytes, settledPayments } = (await nextLine()) as {
        memory: NodeJS.MemoryUsage;
        rss: { anonKb: number; fileKb: number } | null;
        databaseBytes: number;
        settledPayments: number;
      };
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
      const round = (n: number): number => Math.round(n * 100) / 100;
      return {
        checkouts: done,
        coreHeapUsedMb: round(memory.heapUsed / MB),
        coreRssMb: round(memory.rss / MB),
        coreExternalMb: round(memory.external / MB),
        coreHeapTotalMb: round(memory.heapTotal / MB),
        coreRssAnonMb: round(((rss?.anonKb ?? NaN) * 1024) / MB),
        coreRssFileMb: round(((rss?.fileKb ?? NaN) * 1024) / MB),
        databaseMb: round(databaseBytes / MB),
        rendererHeapUsedMb: round(metric('JSHeapUsedSize') / MB),
        rendererDomNodes: metric('Nodes'),
        rendererListeners: metric('JSEventListeners'),
        settledPayments,
      };
    };

    const snapshots: { core: string; renderer: string }[] = [];
    const snapshot = async (done: number): Promise<void> => {
      send(`snapshot ${join(snapshotDir, `core-${done}.heapsnapshot`)}`);
      const core = ((await nextLine()) as { snapshot: string }).snapshot;
      // The renderer's heap over CDP, after a collection, in the same format.
      const renderer = join(snapshotDir, `renderer-${done}.heapsnapshot`);
      const chunks: string[] = [];
      const onChunk = ({ chunk }: { chunk: string }): void => void chunks.push(chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      writeFileSync(renderer, chunks.join(''));
      snapshots.push({ core, renderer });
    };

    for (let i = 0; i < warmup; i++) await checkout(page);
    const samples: Sample[] = [await sample(0)];
    const started = performance.now();
    const durations: number[] = [];
    for (let done = 1; done <= checkouts; done++) {
      const t0 = performance.now();
      await checkout(page);
      durations.push(performance.now() - t0);
      if (done % every === 0 || done === checkouts) samples.push(await sample(done));
    }
    const seconds = (performance.now() - started) / 1000;
    durations.sort((a, b) => a - b);

    // Attribution, after the sampled run: what core and renderer kept over `attributeOver` more.
    let heapKept: Record<string, unknown> | undefined;
    if (attributeOver > 0) {
      await snapshot(checkouts);
      for (let i = 0; i < attributeOver; i++) await checkout(page);
      await snapshot(checkouts + attributeOver);
      const kept = (which: 'core' | 'renderer'): Record<string, unknown> =>
        keptSummary(diffSnapshots(snapshots[0]![which], snapshots[1]![which]), checkouts, checkouts + attributeOver);
      heapKept = { core: kept('core'), renderer: kept('renderer') };
    }
    return {
      checkouts,
      warmupCheckouts: warmup,
      sampleEvery: every,
      note: 'complete checkouts through the screen (scan, PIN, pay, receipt, Færdig), demo kiosk in its own process; terminal simulator 5 ms per step; memory after a full GC',
      seconds: Math.round(seconds),
      checkoutMs: {
        p50: Math.round(durations[Math.floor(durations.length / 2)]!),
        p95: Math.round(durations[Math.floor(durations.length * 0.95)]!),
      },
      trend: {
        coreHeapUsedMb: trendOf(samples, 'coreHeapUsedMb'),
        coreRssMb: trendOf(samples, 'coreRssMb'),
        coreRssAnonMb: trendOf(samples, 'coreRssAnonMb'),
        coreRssFileMb: trendOf(samples, 'coreRssFileMb'),
        databaseMb: trendOf(samples, 'databaseMb'),
        rendererHeapUsedMb: trendOf(samples, 'rendererHeapUsedMb'),
        rendererDomNodes: trendOf(samples, 'rendererDomNodes'),
        rendererListeners: trendOf(samples, 'rendererListeners'),
      },
      samples,
      ...(snapshots.length > 0 ? { heapSnapshots: snapshots } : {}),
      ...(heapKept ? { heapKept } : {}),
    };
  } finally {
    await browser.close();
    send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

// `npx tsx bench/soak.ts [checkouts] [attribute over]`: the soak alone, e.g. `600 200`: 600 sampled
// checkouts, then heap snapshots (test-results/soak/) before and after 200 more.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchSoak(Number(process.argv[2] ?? 2000), { attributeOver: Number(process.argv[3] ?? 0) });
  console.log(JSON.stringify(result, null, 2));
}
