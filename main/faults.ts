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
  'outbox.after-lease',
  'outbox.after-remote-call',
  'outbox.after-mark-delivered',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

let armed: FaultPoint | null = null;

export function armFaultPointFromEnv(env: NodeJS.ProcessEnv, packaged: boolean): FaultPoint | null {
  const requested = env.KIOSK_FAULT_POINT;
  if (!requested || packaged) return null;
  if (!(FAULT_POINTS as readonly string[]).includes(requested)) {
    throw new Error(`unknown fault point "${requested}"; known: ${FAULT_POINTS.join(', ')}`);
  }
  armed = requested as FaultPoint;
  return armed;
}

export function disarmFaultPoints(): void {
  armed = null;
}

/** Dies here, at once and without clean-up, if this point is armed. */
export function faultPoint(name: FaultPoint): void {
  if (armed !== name) return;
  process.kill(process.pid, 'SIGKILL');
  // The signal is delivered on the way back to user space; block so no further line runs.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}
