import {
  KIOSK_DAY_FORMAT,
  KioskDayExport,
  sumOre,
  type DayReport,
  type FleetDay,
  type FleetFigures,
  type FleetKioskLine,
} from '../contract/index.js';

/** One kiosk's day as finance receives it (the stable export format). */
export function exportDay(report: DayReport, kiosk: { readonly id: string; readonly library: string }): KioskDayExport {
  return KioskDayExport.parse({
    format: KIOSK_DAY_FORMAT,
    kioskId: kiosk.id,
    library: kiosk.library,
    date: report.date,
    timeZone: report.timeZone,
    generatedAt: report.generatedAt,
    balanced: report.balanced,
    totals: report.totals,
    mismatches: report.mismatches,
  });
}

/** A file that is not one kiosk's day, or days that do not belong together. */
export class FleetReportError extends Error {
  override name = 'FleetReportError';
}

/** Reads one exported file's text: a kiosk's day, or a clear error naming the file. */
export function readDayExport(name: string, text: string): KioskDayExport {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FleetReportError(`${name}: not JSON (expected a file from \`kiosk report --export\`)`);
  }
  const parsed = KioskDayExport.safeParse(json);
  if (!parsed.success)
    throw new FleetReportError(
      `${name}: not a kiosk day (${KIOSK_DAY_FORMAT}): ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(file)'} ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}

/**
 * The municipality's day across its kiosks: one line per kiosk and the sum, card vs MobilePay vs
 * FBS vs ØiR, and every mismatch with its kiosk. Refused: days of different dates, or the same
 * kiosk twice (a file copied twice would count its money twice).
 */
export function mergeDays(days: readonly KioskDayExport[]): FleetDay {
  if (days.length === 0) throw new FleetReportError('no kiosk days to merge');
  const dates = [...new Set(days.map((d) => d.date))];
  if (dates.length > 1) throw new FleetReportError(`the files are for different days: ${dates.join(', ')}`);
  const seen = new Set<string>();
  for (const day of days) {
    if (seen.has(day.kioskId)) throw new FleetReportError(`kiosk ${day.kioskId} appears twice`);
    seen.add(day.kioskId);
  }
  const kiosks: FleetKioskLine[] = [...days]
    .sort((a, b) => a.kioskId.localeCompare(b.kioskId))
    .map((d) => ({ kioskId: d.kioskId, library: d.library, balanced: d.balanced, ...figures(d) }));
  const sum = (key: keyof FleetFigures) => sumOre(kiosks.map((k) => k[key]));
  const total: FleetFigures = {
    netOre: sum('netOre'),
    cardOre: sum('cardOre'),
    mobilePayOre: sum('mobilePayOre'),
    fbsOre: sum('fbsOre'),
    oeirOre: sum('oeirOre'),
    queuedOre: sum('queuedOre'),
    rejectedOre: sum('rejectedOre'),
    resolvedByStaffOre: sum('resolvedByStaffOre'),
    reopenedOre: sum('reopenedOre'),
    payments: kiosks.reduce((n, k) => n + k.payments, 0),
  };
  const mismatches = days.flatMap((d) => d.mismatches.map((m) => ({ ...m, kioskId: d.kioskId })));
  return { date: dates[0]!, kiosks, total, mismatches, balanced: mismatches.length === 0 };
}

function figures(day: KioskDayExport): FleetFigures {
  const t = day.totals;
  return {
    netOre: t.netCardOre,
    cardOre: t.byMethod.card.ore,
    mobilePayOre: t.byMethod.mobilepay.ore,
    fbsOre: t.fbsRegisteredOre,
    oeirOre: t.oeirDeliveredOre,
    queuedOre: t.queuedOre,
    rejectedOre: t.rejectedOre,
    resolvedByStaffOre: t.resolvedByStaffOre,
    reopenedOre: t.reopenedOre,
    payments: t.cardApproved.count,
  };
}

const CSV_HEADER = [
  'dato',
  'automat',
  'bibliotek',
  'betalt i alt',
  'kort',
  'MobilePay',
  'FBS registreret',
  'ØiR registreret',
  'i kø',
  'afvist',
  'afklaret af personale',
  'rettet efter tilbagebetaling',
  'betalinger',
  'afstemt',
];

/** The municipality's day as CSV (semicolons, decimal commas, a BOM: what Danish spreadsheets open). */
export function fleetDayCsv(day: FleetDay): string {
  const kr = (ore: number): string => (ore / 100).toFixed(2).replace('.', ',');
  const line = (id: string, library: string, f: FleetFigures, balanced: boolean) => [
    day.date,
    id,
    library,
    kr(f.netOre),
    kr(f.cardOre),
    kr(f.mobilePayOre),
    kr(f.fbsOre),
    kr(f.oeirOre),
    kr(f.queuedOre),
    kr(f.rejectedOre),
    kr(f.resolvedByStaffOre),
    kr(f.reopenedOre),
    String(f.payments),
    balanced ? 'ja' : 'nej',
  ];
  const rows = [
    CSV_HEADER,
    ...day.kiosks.map((k) => line(k.kioskId, k.library, k, k.balanced)),
    line('I ALT', '', day.total, day.balanced),
  ];
  const cell = (value: string) => {
    const safe = /^[=+@\t\r]/u.test(value) || (/^-/u.test(value) && !/^-\d+,\d{2}$/u.test(value)) ? `'${value}` : value;
    return /[;"\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(';')).join('\r\n')}\r\n`;
}
