/**
 * Writes `npm run bench`'s results: the whole JSON to bench/results.json and a short Markdown
 * table (bench/RESULTS.md) with each figure, the baseline measured in the same run, and their
 * ratio. Only reads what bench/run.ts measured; a figure that is missing shows as "–".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v as Json | undefined)?.[key], value);
}

export function writeReport(result: Json, dir: string): void {
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'RESULTS.md'), markdown(result));
}

export function markdown(r: Json): string {
  const n = (path: string, unit = ''): string => {
    const v = at(r, path);
    return typeof v === 'number' ? `${v.toLocaleString('en-US', { maximumFractionDigits: 3 })}${unit}` : '–';
  };
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
      'Card payment round trip (journal + nexo), p50',
      n('terminalRoundTrip.checkoutRoundTripMs.p50', ' ms'),
      `bare encrypted HTTPS ${n('terminalRoundTrip.bareEncryptedHttpsMs.p50', ' ms')}`,
      n('terminalRoundTrip.checkoutOverBareRatio.p50', '×'),
    ],
    [
      'Scan → claims on screen, p50',
      n('scanToClaims.scanToClaimsOnScreenMs.p50', ' ms'),
      `bare FBS HTTP ${n('scanToClaims.bareFbsHttpMs.p50', ' ms')}`,
      n('scanToClaims.screenOverBareRatio.p50', '×'),
    ],
    [
      '`npm start` → attract screen, p50',
      n('startToAttract.startToAttractScreenMs.p50', ' ms'),
      `bare \`node -e 0\` ${n('startToAttract.bareNodeStartMs.p50', ' ms')}`,
      n('startToAttract.startOverNodeRatio.p50', '×'),
    ],
    [
      'Renderer bundle, gzipped',
      n('rendererBundle.totalGzipBytes', ' B'),
      `React + ReactDOM ${n('rendererBundle.reactAndReactDomGzipBytes', ' B')}`,
      n('rendererBundle.bundleOverReactRatio', '×'),
    ],
  ];
  const soak = at(r, 'soak') as Json | undefined;
  if (soak) {
    for (const [key, label, unit] of [
      ['coreHeapUsedMb', 'core JS heap after GC', ' MB'],
      ['coreRssMb', 'core RSS', ' MB'],
      ['rendererHeapUsedMb', 'renderer JS heap after GC', ' MB'],
      ['rendererDomNodes', 'renderer DOM nodes', ''],
      ['rendererListeners', 'renderer event listeners', ''],
    ] as const) {
      const trend = `soak.trend.${key}`;
      const grows = at(r, `${trend}.growsBeyondNoise`) === true ? ' **grows**' : '';
      rows.push([
        `Soak, ${n('soak.checkouts')} checkouts: ${label} (trend ${n(`${trend}.slopePer1000Checkouts`, unit)}/1000, noise ±${n(`${trend}.noise`, unit)})${grows}`,
        `${n(`${trend}.last`, unit)} at the end`,
        `${n(`${trend}.first`, unit)} after warm-up`,
        n(`${trend}.lastOverFirstRatio`, '×'),
      ]);
    }
    rows.push([`Soak: one complete checkout through the screen, p50`, n('soak.checkoutMs.p50', ' ms'), '–', '–']);
  }
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
    ...heapKept(r, n),
  ].join('\n');
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
