import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { opsRegistry } from '../../app/ops-metrics.js';
import type { OpsReads } from '../../db/ops-reads.js';
import { tempDir } from '../support/fixtures.js';

/**
 * The alert rules shipped in deploy/prometheus/, checked by Prometheus's own `promtool`: the
 * rules load, and each rule's unit tests pass — every rule with a case where it fires and one
 * where it does not. Every kiosk metric a rule names is one the kiosk exports.
 */
const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));

function promtool(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed (apt-get install prometheus): ${run.error.message}`);
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe('the shipped Prometheus alert rules', () => {
  const rules = (yaml.load(readFileSync(`${DIR}kiosk-alerts.yml`, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
  const tests = (yaml.load(readFileSync(`${DIR}kiosk-alerts.test.yml`, 'utf8')) as RuleTests).tests.flatMap(
    (t) => t.alert_rule_test,
  );

  it('load, and pass their unit tests in promtool', () => {
    const check = promtool('check', 'rules', 'kiosk-alerts.yml');
    expect(check.output).toContain(`SUCCESS: ${rules.length} rules found`);
    const test = promtool('test', 'rules', 'kiosk-alerts.test.yml');
    expect(test.output).toContain('SUCCESS');
    expect(test.ok).toBe(true);
  });

  it('each have a case where they fire and one where they do not', () => {
    for (const rule of rules) {
      const cases = tests.filter((t) => t.alertname === rule.alert);
      expect({ alert: rule.alert, fires: cases.some((c) => c.exp_alerts.length > 0) }).toEqual({
        alert: rule.alert,
        fires: true,
      });
      expect({ alert: rule.alert, silent: cases.some((c) => c.exp_alerts.length === 0) }).toEqual({
        alert: rule.alert,
        silent: true,
      });
    }
  });

  it('name only metrics the kiosk exports', async () => {
    const exported = await exportedNames();
    const used = new Set(rules.flatMap((r) => [...r.expr.matchAll(/\bkiosk_\w+/gu)].map((m) => m[0])));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
  });
});

/**
 * The Grafana dashboard for a fleet (deploy/grafana/kiosk-fleet.json): every query is PromQL
 * that Prometheus's own parser takes (checked as recording rules by promtool) and names only
 * metrics the kiosk exports; the first panel is the table with one row per kiosk.
 */
describe('the shipped Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../deploy/grafana/kiosk-fleet.json', import.meta.url)), 'utf8'),
  ) as { panels: { type: string; title: string; targets: { expr: string }[] }[] };
  const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('has the fleet table first, and PromQL Prometheus parses', () => {
    expect(dashboard.panels[0]).toMatchObject({ type: 'table', title: 'Kiosks (one row each)' });
    expect(queries.length).toBeGreaterThan(8);
    const dir = tempDir('kiosk-dashboard-');
    try {
      const file = join(dir.path, 'queries.yml');
      writeFileSync(
        file,
        yaml.dump({
          groups: [{ name: 'dashboard', rules: queries.map((expr, i) => ({ record: `dashboard:q${i}`, expr })) }],
        }),
      );
      const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      dir.remove();
    }
  });

  it('names only metrics the kiosk exports', async () => {
    const exported = await exportedNames();
    for (const name of new Set(queries.flatMap((q) => [...q.matchAll(/\bkiosk_\w+/gu)].map((m) => m[0]))))
      expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
  });
});

/** The metric names the kiosk's registry exports (with empty sources). */
async function exportedNames(): Promise<Set<string>> {
  const none = (): never[] => [];
  const registry = opsRegistry({
    reads: { payments: none, inDoubt: () => 0, needsAttention: () => 0, outbox: none } as unknown as OpsReads,
    mode: 'demo',
    version: 'test',
    links: () => ({}),
    certificates: () => ({}),
    printer: () => Promise.resolve({ state: 'ready', detail: '' }),
    scanners: none,
    dayMismatches: () => 0,
    sessionEndings: () => new Map(),
    dataDir: DIR,
  });
  return new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
}
