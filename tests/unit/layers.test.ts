import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layer rule (.dependency-cruiser.cjs, run by `npm run lint`) against a small tree that breaks
// it on purpose (tests/fixtures/layers): each kind of violation is caught, and what is allowed
// passes. The real tree is checked by the lint itself.

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/layers', import.meta.url));

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

function cruise(): { violations: Violation[]; error: number } {
  let stdout: string;
  try {
    stdout = execFileSync(
      process.execPath,
      [
        `${root}/node_modules/dependency-cruiser/bin/dependency-cruise.mjs`,
        '--config',
        `${root}/.dependency-cruiser.cjs`,
        '--output-type',
        'json',
        'contract',
        'base',
        'db',
        'core',
        'devices',
        'renderer',
      ],
      { cwd: fixture, encoding: 'utf8' },
    );
  } catch (error) {
    // Violations make it exit non-zero; its report is still on stdout.
    stdout = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(stdout) as { summary: { violations: Violation[]; error: number } };
  return report.summary;
}

describe('the layer rule', () => {
  it('fails on an upward import, a sibling’s insides, the screen importing past contract/ or Node, SQL outside db/, and a cycle', () => {
    const { violations, error } = cruise();
    const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      'layer-devices: devices/printer/upward.ts → core/checkout.ts',
      'no-circular: base/first.ts → base/second.ts',
      'no-sibling-insides: devices/printer/sideways.ts → devices/scanner/framing.ts',
      'renderer-contract-only: renderer/src/screen.ts → db/journal.ts',
      'renderer-no-node: renderer/src/screen.ts → fs',
      'sql-only-in-db: core/raw-sql.ts → ../../../node_modules/better-sqlite3/lib/index.js',
    ]);
    expect(error).toBe(6);
  });
});
