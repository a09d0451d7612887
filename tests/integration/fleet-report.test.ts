import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KioskDayExport, type FleetDay } from '../../contract/index.js';
import { mergeDays, readDayExport } from '../../core/fleet-report.js';
import { tempDir } from '../support/fixtures.js';
import { kioskPerTest, lineFor } from '../support/kiosk-per-test.js';
import { runKioskCli } from '../support/kiosk-cli.js';

/**
 * Finance across kiosks, as a municipality runs it: two demo kiosks take payments (one day
 * balances, the other has a registration still waiting), each exports its day with
 * `kiosk report --export` in its own process, and `kiosk report merge` adds them up — the
 * totals are the kiosks' own, every mismatch keeps its kiosk, and files that do not belong
 * together are refused.
 */
const kiosks = kioskPerTest();
const files = tempDir('kiosk-fleet-');
afterAll(() => files.remove());

async function kioskDay(id: string, pay: (k: Awaited<ReturnType<typeof kiosks.boot>>) => Promise<void>) {
  const dataDir = kiosks.dataDir();
  const config = join(files.path, `${id}.json`);
  writeFileSync(config, JSON.stringify({ library: { kioskId: id, name: `Bibliotek ${id}` } }));
  const k = await kiosks.boot({ library: { kioskId: id, name: `Bibliotek ${id}` } }, dataDir);
  await pay(k);
  await kiosks.stop();
  const out = join(files.path, `${id}-day.json`);
  const run = await runKioskCli(['report', '--export', out], { KIOSK_CONFIG: config, KIOSK_DATA_DIR: dataDir });
  expect(run.stderr).toBe('');
  return { file: out, code: run.code };
}

describe('kiosk report --export and merge', () => {
  it('adds up the kiosks’ days, keeps each mismatch with its kiosk, and refuses files that do not belong together', async () => {
    const balanced = await kioskDay('hovedbibliotek-1', async (k) => {
      const claims = (await k.fbs.claims('100002')).filter((c) => c.feeId === '5001');
      const p = await k.core.checkout.pay({
        channel: 'staff',
        patronId: '100002',
        lines: claims.map(lineFor),
        actor: 'x',
      });
      await expect.poll(() => k.core.journal.get(p.id).state, { timeout: 10_000 }).toBe('settled');
    });
    expect(balanced.code).toBe(0);
    const waiting = await kioskDay('filial-2', async (k) => {
      k.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
      const claims = (await k.fbs.claims('100006')).filter((c) => c.feeId === '8101');
      await k.core.checkout.pay({ channel: 'staff', patronId: '100006', lines: claims.map(lineFor), actor: 'x' });
    });
    expect(waiting.code).toBe(1);

    // The export: the stable format, this kiosk's id, no borrower in it.
    const text = readFileSync(balanced.file, 'utf8');
    expect(KioskDayExport.parse(JSON.parse(text))).toMatchObject({ kioskId: 'hovedbibliotek-1', balanced: true });
    expect(text).not.toMatch(/100002|1000000002|patron/iu);

    const csv = join(files.path, 'kommune.csv');
    const merged = await runKioskCli(['report', 'merge', balanced.file, waiting.file, '--json', '--csv', csv], {
      KIOSK_CONFIG: join(files.path, 'hovedbibliotek-1.json'),
      KIOSK_DATA_DIR: files.path,
    });
    expect(merged.code).toBe(1);
    const day = JSON.parse(merged.stdout.slice(merged.stdout.indexOf('{'))) as FleetDay;
    expect(day.kiosks.map((k) => [k.kioskId, k.netOre, k.fbsOre, k.queuedOre, k.balanced])).toEqual([
      ['filial-2', 1000, 0, 1000, false],
      ['hovedbibliotek-1', 3000, 3000, 0, true],
    ]);
    expect(day.total).toMatchObject({ netOre: 4000, cardOre: 4000, fbsOre: 3000, queuedOre: 1000, payments: 2 });
    expect(day.mismatches).toEqual([expect.objectContaining({ kioskId: 'filial-2', kind: 'queued', amountOre: 1000 })]);

    const rows = readFileSync(csv, 'utf8')
      .replace(/^\uFEFF/u, '')
      .trim()
      .split('\r\n');
    expect(rows).toHaveLength(4);
    expect(rows.at(-1)).toMatch(/;I ALT;;40,00;40,00;0,00;30,00;0,00;10,00;/u);

    // Files that do not belong together: refused by the command, exit 2, said why.
    const refused = await runKioskCli(['report', 'merge', balanced.file, balanced.file], {
      KIOSK_CONFIG: join(files.path, 'hovedbibliotek-1.json'),
      KIOSK_DATA_DIR: files.path,
    });
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(/hovedbibliotek-1 appears twice/u) as unknown,
    });
    const otherDay = { ...KioskDayExport.parse(JSON.parse(text)), kioskId: 'filial-3', date: '2020-01-01' };
    expect(() => mergeDays([readDayExport(waiting.file, readFileSync(waiting.file, 'utf8')), otherDay])).toThrow(
      /different days/u,
    );
  });

  it('reads only kiosk days: a clear error naming the file otherwise', () => {
    const day = readDayExport('x', JSON.stringify(sampleDay('a', 500)));
    expect(mergeDays([day, readDayExport('y', JSON.stringify(sampleDay('b', 700)))]).total.netOre).toBe(1200);
    expect(() => readDayExport('garbage.json', 'not json at all')).toThrow(/garbage\.json: not JSON/u);
    expect(() => readDayExport('other.json', '{"format": "something else"}')).toThrow(/other\.json: not a kiosk day/u);
    expect(() => readDayExport('extra.json', JSON.stringify({ ...sampleDay('a', 1), patronId: '100002' }))).toThrow(
      /not a kiosk day/u,
    );
  });
});

function sampleDay(kioskId: string, ore: number): KioskDayExport {
  const count = { count: 1, ore };
  const zero = { count: 0, ore: 0 };
  return {
    format: 'library-kiosk-day/1',
    kioskId,
    library: 'x',
    date: '2026-12-03',
    timeZone: 'Europe/Copenhagen',
    generatedAt: new Date().toISOString(),
    balanced: true,
    totals: {
      cardApproved: count,
      voided: zero,
      refunded: zero,
      netCardOre: ore,
      byMethod: { card: count, mobilepay: zero },
      declined: zero,
      inDoubt: zero,
      fbsRegisteredOre: ore,
      oeirDeliveredOre: 0,
      queuedOre: 0,
      rejectedOre: 0,
      resolvedByStaffOre: 0,
      reopenedOre: 0,
      terminal: { checked: 0, unchecked: 0, capturedOre: 0, journalOre: 0 },
    },
    mismatches: [],
  };
}
