import { z } from 'zod';

/**
 * Nets (Nexi) Connect@Cloud, the REST API in front of Nets' cloud-connected terminals (Lane3000,
 * Desk3500, Move3500): what goes over the wire, shared by the driver and the simulator. Nets
 * publishes no open specification; this follows the shape production integrations read and
 * send — navipartner/npcore-partners, "NPR EFT NETSCloud Protocol" (requests, paths, timeouts,
 * hosts) and "NPR EFT NETSCloud Resp. Parser" (answers) — and nothing more is assumed:
 *
 * - `POST /v1/login` `{username, password}` → `{token}`; later calls send `Authorization: Bearer`.
 * - `POST /v1/terminal/{id}/transaction` `{transactionType: "purchase", amount (øre, integer),
 *   orderId}` is held open until the card flow ends (integrators allow 300 s). HTTP 201 (or 200)
 *   with `result: [ { localModeEventArgs, customerReceipt, merchantReceipt } ]`, or HTTP 400 with
 *   `failure: { error, localModeEventArgs?, customerReceipt? }` (sometimes a bare string).
 * - `GET /v1/terminal/{id}/transaction` → `result: { latestTransactionResult, printText?, orderId? }`:
 *   the terminal's latest transaction only. `orderId` is mirrored for successful transactions only.
 * - `DELETE /v1/terminal/{id}/transaction` `{amount}` voids the terminal's last transaction.
 * - `POST /v1/terminal/{id}/administration` `{action: "cancelAction" | "reconciliation" | …}`.
 *
 * `localModeEventArgs.Result`: 0 approved, 99 unknown (look up again), anything else declined.
 * Amounts are øre as integers on the wire, both ways.
 *
 * What production answers look like was checked against logged Connect@Cloud traffic
 * (DANOSOFT/saldi `debitor/payments/lane3000.log` and `lane3000-haveland.log`; read for facts
 * only, shapes re-made with our own values in tests/fixtures/nets/): `Result` comes as text
 * ("0", "2") and every field twice (camelCase and PascalCase); `orderId` is `null` in the
 * purchase answer; the top-level `timeStamp` is the terminal's wall clock wrongly marked `Z`
 * (so the driver reads `localModeEventArgs.TimeStamp`, `yyyyMMddHHmmss` local time); a
 * terminal the cloud cannot reach is answered at once with HTTP 400 `failure.error` "Invalid
 * terminal ID or terminal not connected"; a terminal that must close its day first refuses
 * with "PSP / perform end-of-day reconciliation".
 */

export const NETS_HOSTS = {
  test: 'https://connectcloud-test.aws.nets.eu',
  production: 'https://connectcloud.aws.nets.eu',
} as const;

export const PURCHASE_TIMEOUT_MS = 300_000;

export const LoginAnswer = z.looseObject({ token: z.string().min(1).max(10_000) });

/** Nets sends numbers as numbers or as numeric text; both are read. */
const IntLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d{1,15}$/u)
    .transform(Number),
]);

export const LocalModeEventArgs = z.looseObject({
  Result: IntLike,
  TruncatedPAN: z.string().max(40).optional(),
  StanAuth: z.string().max(100).optional(),
  TimeStamp: z.string().max(40).optional(),
  CardIssuerName: z.string().max(100).optional(),
  TotalAmount: IntLike.optional(),
  ResponseCode: z.string().max(20).optional(),
  SessionNumber: z.union([z.string().max(40), z.number()]).optional(),
  TerminalID: z.string().max(40).optional(),
});
export type LocalModeEventArgs = z.infer<typeof LocalModeEventArgs>;

// Production answers send "" or null where a receipt is missing.
const Receipts = {
  customerReceipt: z.string().max(20_000).nullish(),
  merchantReceipt: z.string().max(20_000).nullish(),
};

const ResultAnswer = z.looseObject({
  result: z.array(z.looseObject({ localModeEventArgs: LocalModeEventArgs, ...Receipts })).min(1),
});
const FailureAnswer = z.looseObject({
  failure: z.union([
    z.string().max(2_000),
    z.looseObject({
      error: z.string().max(2_000).nullish(),
      localModeEventArgs: LocalModeEventArgs.nullish(),
      ...Receipts,
    }),
  ]),
});

/** A transaction's answer (purchase or void), as one of its two shapes. */
export type TransactionAnswer =
  | { readonly kind: 'result'; readonly args: LocalModeEventArgs; readonly customerReceipt?: string }
  | {
      readonly kind: 'failure';
      /** Nets' words, and the terminal's response code when it gave one. */
      readonly text: string;
      readonly args?: LocalModeEventArgs;
      readonly customerReceipt?: string;
    };

/** Null when the value is neither shape. */
export function readTransactionAnswer(value: unknown): TransactionAnswer | null {
  const result = ResultAnswer.safeParse(value);
  if (result.success) {
    const first = result.data.result[0]!;
    return {
      kind: 'result',
      args: first.localModeEventArgs,
      ...(first.customerReceipt ? { customerReceipt: first.customerReceipt } : {}),
    };
  }
  const failure = FailureAnswer.safeParse(value);
  if (!failure.success) return null;
  const f = failure.data.failure;
  // The error can come as a bare string (undocumented, seen by integrators).
  if (typeof f === 'string') return { kind: 'failure', text: f.slice(0, 300) || 'refused' };
  const text = [f.error, f.localModeEventArgs?.ResponseCode].filter(Boolean).join(' ').slice(0, 300) || 'refused';
  return {
    kind: 'failure',
    text,
    ...(f.localModeEventArgs ? { args: f.localModeEventArgs } : {}),
    ...(f.customerReceipt ? { customerReceipt: f.customerReceipt } : {}),
  };
}

export const LookupAnswer = z.looseObject({
  result: z.looseObject({
    latestTransactionResult: LocalModeEventArgs,
    // Production answers carry `orderId: null` where there is none.
    orderId: z.string().max(100).nullish(),
    printText: z.looseObject({ Text: z.string().max(20_000).optional() }).optional(),
  }),
});
export type LookupAnswer = z.infer<typeof LookupAnswer>;

const PrintText = z.looseObject({ Text: z.string().max(50_000).nullish() });

/**
 * `administration: reconciliation`: its header and printout, both inside `result.reconciliation`
 * (npcore's parser reads `result.reconciliation` then `header.timestamp`, `header.sessionNumber`
 * and `printText.Text` from it; saldi's reconciliation page prints
 * `result.reconciliation.printText.Text`). A printout beside `reconciliation` is read too.
 */
export const ReconciliationAnswer = z.looseObject({
  result: z.looseObject({
    reconciliation: z.looseObject({
      header: z.looseObject({
        timestamp: z.string().max(40),
        sessionNumber: z.union([z.string().max(40), z.number()]).nullish(),
      }),
      printText: PrintText.nullish(),
    }),
    printText: PrintText.nullish(),
  }),
});

export const PurchaseRequest = z
  .object({
    transactionType: z.literal('purchase'),
    amount: z.number().int().positive().max(100_000_000),
    orderId: z.string().min(1).max(100),
  })
  .strict();
export type PurchaseRequest = z.infer<typeof PurchaseRequest>;

export const VoidRequest = z.object({ amount: z.number().int().positive() }).strict();
export const AdministrationRequest = z
  .object({ action: z.enum(['cancelAction', 'reconciliation', 'downloadDataset', 'downloadSoftware']) })
  .strict();

/**
 * Nets' time stamp: ISO 8601 with a zone, or `yyyyMMddHHmmss` (both seen by integrators), the
 * latter the terminal's wall-clock time, read in the library's time zone.
 */
export function netsTime(text: string | undefined, timeZone: string): Date | null {
  if (!text) return null;
  if (/[Zz]$|[+-]\d\d:?\d\d$/u.test(text)) {
    const at = new Date(text);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/u.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  // The zone's offset at that moment (asked twice: the first guess may sit across a DST change).
  let at = wall - offsetMs(wall, timeZone);
  at = wall - offsetMs(at, timeZone);
  return Number.isNaN(at) ? null : new Date(at);
}

/** How far the zone's wall clock is ahead of UTC at this instant. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}
