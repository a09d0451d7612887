/**
 * Named places on the payment and delivery path where a crash test can kill the process
 * (SIGKILL, no clean-up) to prove that a restart loses and doubles nothing.
 *
 * Inert unless armed. Arming needs KIOSK_FAULT_POINT in the environment AND a build that is
 * not packaged: a packaged kiosk ignores it, so no one can crash a real kiosk this way.
 */
export const FAULT_POINTS = [
  'checkout.after-intent-persisted',
  'checkout.after-authorizing-persisted',
  'checkout.after-request-sent',
  'checkout.after-unknown-persisted',
  'checkout.after-terminal-approved',
  'checkout.after-journal-approved',
  'mobilepay.after-authorized',
  'outbox.after-lease',
  'outbox.after-remote-call',
  'outbox.after-mark-delivered',
  'fbs.after-registered',
  'oeir.after-registered',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/**
 * Where and when to die. `hit`: on the n-th time the point is reached (1 = the first), so a
 * fault matrix can pick a random payment or delivery. `delayMs`: 0 dies at once; more lets the
 * process run on for that long after the point and dies wherever it then is, which gives
 * randomised timing around the point.
 */
export interface ArmedFault {
  readonly point: FaultPoint;
  readonly hit: number;
  readonly delayMs: number;
}

let armed: ArmedFault | null = null;
let hits = 0;

export function armFaultPointFromEnv(env: NodeJS.ProcessEnv, packaged: boolean): ArmedFault | null {
  const requested = env.KIOSK_FAULT_POINT;
  if (!requested || packaged) return null;
  if (!(FAULT_POINTS as readonly string[]).includes(requested)) {
    throw new Error(`unknown fault point "${requested}"; known: ${FAULT_POINTS.join(', ')}`);
  }
  const hit = wholeNumber(env.KIOSK_FAULT_HIT, 1, 'KIOSK_FAULT_HIT');
  const delayMs = wholeNumber(env.KIOSK_FAULT_DELAY_MS, 0, 'KIOSK_FAULT_DELAY_MS');
  if (hit < 1) throw new Error('KIOSK_FAULT_HIT must be 1 or more');
  armed = { point: requested as FaultPoint, hit, delayMs };
  hits = 0;
  return armed;
}

function wholeNumber(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not "${text}"`);
  return value;
}

export function disarmFaultPoints(): void {
  armed = null;
  hits = 0;
}

/** Dies here (or `delayMs` later), without clean-up, if this point is armed and this is the chosen hit. */
export function faultPoint(name: FaultPoint): void {
  if (armed?.point !== name) return;
  hits += 1;
  if (hits !== armed.hit) return;
  if (armed.delayMs > 0) {
    setTimeout(die, armed.delayMs);
    return;
  }
  die();
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered on the way back to user space; block so no further line runs.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}
