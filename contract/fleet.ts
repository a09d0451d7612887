import { z } from 'zod';
import { Ore } from './money.js';
import { DayTotals, Mismatch } from './staff.js';

/**
 * One kiosk's day for the municipality's finance department: what `kiosk report --export` writes
 * and `kiosk report merge` reads. A stable, versioned format (`format`): the day's totals and
 * mismatches with the kiosk's id — no borrower, no card, only payment ids for the mismatches
 * staff must look at.
 */
export const KIOSK_DAY_FORMAT = 'library-kiosk-day/1';

export const KioskDayExport = z
  .object({
    format: z.literal(KIOSK_DAY_FORMAT),
    kioskId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u),
    library: z.string().max(200),
    /** The library's local date, YYYY-MM-DD. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/u),
    timeZone: z.string().max(100),
    generatedAt: z.iso.datetime(),
    balanced: z.boolean(),
    totals: DayTotals,
    mismatches: z.array(Mismatch).max(10_000),
  })
  .strict();
export type KioskDayExport = z.infer<typeof KioskDayExport>;

/** The municipality's day: each kiosk's figures, their sum, and every mismatch with its kiosk. */
export interface FleetDay {
  readonly date: string;
  readonly kiosks: readonly FleetKioskLine[];
  readonly total: FleetFigures;
  readonly mismatches: readonly (Mismatch & { readonly kioskId: string })[];
  readonly balanced: boolean;
}

export interface FleetFigures {
  /** All money taken: card terminal and MobilePay, net of voids and refunds. */
  readonly netOre: Ore;
  readonly cardOre: Ore;
  readonly mobilePayOre: Ore;
  readonly fbsOre: Ore;
  readonly oeirOre: Ore;
  readonly queuedOre: Ore;
  readonly rejectedOre: Ore;
  readonly resolvedByStaffOre: Ore;
  readonly reopenedOre: Ore;
  readonly payments: number;
}

export interface FleetKioskLine extends FleetFigures {
  readonly kioskId: string;
  readonly library: string;
  readonly balanced: boolean;
}
