/**
 * Writes `npm run bench`'s results: the whole JSON to bench/results.json and a short Markdown
 * table (bench/RESULTS.md) with each figure, the baseline measured in the same run, and their
 * ratio. Only reads what bench/run.ts measured; a figure that is missing shows as "–".
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

type Json = Record<string, unknown>;

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v as Json | undefined)?.[key], value);
}

export function writeReport(result: Json, dir: string): void {
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'RESULTS.md'), markdown(result, readLongSoak(dir)));
}

function readLongSoak(dir: string): Json | null {
  const file = join(dir, 'soak-long.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : null;
}

export function markdown(r: Json, longSoak: Json | null = null): string {
  const n = formatter(r);
  const rows: [string, string, string, string][] = [
    [
      'Journal transition commit (synchronous=FULL), p50',
      n('journalTransitionCommitMs.p50', ' ms'),
      `bare one-row insert commit ${n('bareInsertCommitMs.p50', ' ms')}`,
      n('journalOverBareRatio.p50', '×'),
    ],
    [
      'Journal transition commit, p99',
      n('journalTransitionCommitMs.p99', ' ms'),
      `bare insert ${n('bareInsertCommitMs.p99', ' ms')}`,
      n('journalOverBareRatio.p99', '×'),
    ],
    [
      `Outbox delivery, ${n('outboxDelivery.rows')} rows to a local HTTP endpoint`,
      n('outboxDelivery.rowsPerSecond', ' rows/s'),
      `bare HTTP calls ${n('outboxDelivery.bareCallsPerSecond', ' calls/s')}`,
      `${n('outboxDelivery.outboxOverBareRatio', '×')} time`,
    ],
    [
      'FBS claims look-up (client), p50',
      n('claimsLookup.clientMs.p50', ' ms'),
      `bare HTTP ${n('claimsLookup.bareHttpMs.p50', ' ms')}`,
      n('claimsLookup.clientOverBareRatio.p50', '×'),
    ],
    [
      `ØiR ForetagIndbetaling ×${n('oeir.calls')} through the outbox (mTLS)`,
      n('oeir.outboxDrain.callsPerSecond', ' calls/s'),
      `bare soap client ${n('oeir.bareSoapClient.callsPerSecond', ' calls/s')}`,
      `${n('oeir.outboxOverBareRatio', '×')} time`,
    ],
    [
      `ØiR ×${n('oeir.calls')} through the outbox, token model (STS token, WS-Security signed)`,
      n('oeir.tokenModelDrain.callsPerSecond', ' calls/s'),
      `certificate model ${n('oeir.outboxDrain.callsPerSecond', ' calls/s')}; signing one call p50 ${n('oeir.tokenModelDrain.signOneCallMs.p50', ' ms')}; ${n('oeir.tokenModelDrain.stsTokensIssued')} STS token`,
      `${n('oeir.tokenModelDrain.overCertificateModelRatio', '×')} time`,
    ],
    [
      "ØiR sandbox's schema check of one request, p50",
      n('oeirSchemaCheck.p50', ' ms'),
      `p99 ${n('oeirSchemaCheck.p99', ' ms')}`,
      '—',
    ],
    [
      'Card payment round trip (journal + nexo), p50',
      n('terminalRoundTrip.checkoutRoundTripMs.p50', ' ms'),
      `bare encrypted HTTPS ${n('terminalRoundTrip.bareEncryptedHttpsMs.p50', ' ms')}`,
      n('terminalRoundTrip.checkoutOverBareRatio.p50', '×'),
    ],
    [
      'Card payment round trip (journal + Nets Connect@Cloud), p50',
      n('netsRoundTrip.checkoutRoundTripMs.p50', ' ms'),
      `bare HTTPS purchase ${n('netsRoundTrip.bareHttpsMs.p50', ' ms')}`,
      n('netsRoundTrip.checkoutOverBareRatio.p50', '×'),
    ],
    [
      'MobilePay: tap → QR on screen (create + QR drawn), p50',
      n('mobilepay.tapToQrMs.p50', ' ms'),
      `bare HTTPS create ${n('mobilepay.bareCreateMs.p50', ' ms')}`,
      n('mobilepay.tapToQrOverBareRatio.p50', '×'),
    ],
    [
      'Scan → claims on screen, p50',
      n('scanToClaims.scanToClaimsOnScreenMs.p50', ' ms'),
      `bare FBS HTTP ${n('scanToClaims.bareFbsHttpMs.p50', ' ms')}`,
      n('scanToClaims.screenOverBareRatio.p50', '×'),
    ],
    [
      'Kiosk start → attract screen, p50 (installed, everyday)',
      n('startToAttract.installedStartToAttractScreenMs.p50', ' ms'),
      `bare \`node -e 0\` ${n('startToAttract.bareNodeStartMs.p50', ' ms')}`,
      n('startToAttract.startOverNodeRatio.p50', '×'),
    ],
    [
      'Kiosk start → attract screen, p50 (first start ever / `npm start`)',
      `${n('startToAttract.installedFirstStartEverToAttractScreenMs.p50', ' ms')} / ${n('startToAttract.npmStartUnchangedScreenToAttractScreenMs.p50', ' ms')}`,
      `bare \`node -e 0\` ${n('startToAttract.bareNodeStartMs.p50', ' ms')}`,
      '',
    ],
    [
      'Renderer bundle, gzipped',
      n('rendererBundle.totalGzipBytes', ' B'),
      `React + ReactDOM ${n('rendererBundle.reactAndReactDomGzipBytes', ' B')}`,
      n('rendererBundle.bundleOverReactRatio', '×'),
    ],
  ];
  rows.push(...soakRows(at(r, 'soak'), n));
  const machine = at(r, 'machine') as Json;
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${String(at(r, 'date') ?? '')} (${String(machine.cpuModel)}, ${String(machine.cpus)} cores, Node ${String(machine.node)}).`,
    'Every figure has its baseline measured in the same run; the ratio is figure over baseline (for',
    'throughputs: time over baseline time). Full numbers: [results.json](results.json).',
    '',
    '| Figure | Measured | Baseline (same run) | Ratio |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ...longSoakSection(longSoak),
    ...heapKept(r, n),
  ].join('\n');
}

/** Number formatting for one JSON document (a missing figure shows as "–"). */
function formatter(doc: unknown): (path: string, unit?: string) => string {
  return (path, unit = '') => {
    const v = at(doc, path);
    return typeof v === 'number' ? `${v.toLocaleString('en-US', { maximumFractionDigits: 3 })}${unit}` : '–';
  };
}

/** One row per sampled figure of a soak (bench/soak.ts), with its trend over each half. */
function soakRows(soak: unknown, n: (path: string, unit?: string) => string): [string, string, string, string][] {
  if (!soak) return [];
  const rows: [string, string, string, string][] = [];
  for (const [key, label, unit] of [
    ['coreHeapUsedMb', 'core JS heap after GC', ' MB'],
    ['coreRssMb', 'core RSS', ' MB'],
    ['coreRssAnonMb', 'core RSS, anonymous (heaps)', ' MB'],
    ['coreRssFileMb', 'core RSS, file-backed', ' MB'],
    ['databaseMb', 'journal database + WAL (grows by design)', ' MB'],
    ['rendererHeapUsedMb', 'renderer JS heap after GC', ' MB'],
    ['rendererDomNodes', 'renderer DOM nodes', ''],
    ['rendererListeners', 'renderer event listeners', ''],
  ] as const) {
    const trend = `soak.trend.${key}`;
    if (at(soak, `trend.${key}`) === undefined) continue; // not sampled in this run
    const grows = at(soak, `trend.${key}.growsBeyondNoise`) === true ? ' **grows**' : '';
    rows.push([
      `Soak, ${n('soak.checkouts')} checkouts: ${label} (per 1,000 checkouts: first half ${n(`${trend}.firstHalfSlopePer1000`, unit)}, second half ${n(`${trend}.secondHalfSlopePer1000`, unit)}; second-half noise ±${n(`${trend}.secondHalfNoise`, unit)})${grows}`,
      `${n(`${trend}.last`, unit)} at the end`,
      `${n(`${trend}.first`, unit)} after warm-up`,
      n(`${trend}.lastOverFirstRatio`, '×'),
    ]);
  }
  rows.push([`Soak: one complete checkout through the screen, p50`, n('soak.checkoutMs.p50', ' ms'), '–', '–']);
  return rows;
}

/**
 * The long soak (bench/soak-long.json, from `npx tsx bench/soak.ts 6000 > bench/soak-long.json`):
 * too long for every `npm run bench`, run and committed on its own.
 */
function longSoakSection(longSoak: Json | null): string[] {
  if (!longSoak) return [];
  const n = formatter({ soak: longSoak });
  return [
    `## Long soak: ${n('soak.checkouts')} checkouts after ${n('soak.warmupCheckouts')} warm-up (${n('soak.seconds')} s, run on its own)`,
    '',
    'A figure is marked **grows** when the line over the second half of the samples rises, over that',
    'half, by more than twice their spread around it; growth that slows to that is warm-up or a',
    'cache filling, a leak keeps its slope.',
    '',
    '| Figure | At the end | After warm-up | Ratio |',
    '| --- | --- | --- | --- |',
    ...soakRows(longSoak, n).map((row) => `| ${row.join(' | ')} |`),
    '',
  ];
}

/** Heap labels as code, so Markdown leaves `__proto__` alone; a pipe would end the table cell. */
function codeSpan(text: string): string {
  return `\`${text.replaceAll('|', '\\|')}\``;
}

/** The soak's heap snapshots: what core and renderer kept between them, by kind. */
function heapKept(r: Json, n: (path: string, unit?: string) => string): string[] {
  const lines: string[] = [];
  for (const [which, title] of [
    ['core', 'the core'],
    ['renderer', 'the renderer'],
  ] as const) {
    const path = `soak.heapKept.${which}`;
    const groups = at(r, `${path}.largestProgramData`) as
      | { what: string; objects: number; kb: number; mostlyHeldBy: string }[]
      | undefined;
    if (!groups) continue;
    lines.push(
      `## What ${title} kept from checkout ${n(`${path}.fromCheckout`)} to ${n(`${path}.toCheckout`)}`,
      '',
      'Objects alive in the soak\u2019s last heap snapshot and not in the earlier one (`bench/heap-diff.ts`):',
      `program data ${n(`${path}.programDataKb`, ' KB')} (${n(`${path}.programDataBytesPerCheckout`, ' B')} per checkout);`,
      `compiled code, feedback and the VM\u2019s bookkeeping ${n(`${path}.compiledCodeAndVmKb`, ' KB')}.`,
      'A collection that grows with every checkout would hold about one kept object per checkout;',
      `the fullest holds ${n(`${path}.fullestHolders.0.keptObjects`)} (\`${String(at(r, `${path}.fullestHolders.0.holder`) ?? '–')}\`, held by \`${String(at(r, `${path}.fullestHolders.0.heldBy`) ?? '–')}\`).`,
      'The largest program data:',
      '',
      '| Kept | Objects | KB | Mostly held by |',
      '| --- | --- | --- | --- |',
      ...groups.map((g) => `| ${codeSpan(g.what)} | ${g.objects} | ${g.kb} | ${codeSpan(g.mostlyHeldBy)} |`),
      '',
    );
  }
  return lines;
}

// `npx tsx bench/report.ts`: RESULTS.md again from results.json and soak-long.json (no measuring).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  writeFileSync(
    join(dir, 'RESULTS.md'),
    markdown(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Json, readLongSoak(dir)),
  );
}
