import type { KioskEvent, StaffRefusal, StaffRequest, StaffResult } from '../../../contract/index.js';
import type { KioskBridge } from '../transport.js';

type Answer = Extract<KioskEvent, { type: 'staff.result' }>['answer'];

/** The core refused a staff request: `refusal` is what the screen says (in its language). */
export class StaffRefusedError extends Error {
  constructor(
    message: string,
    readonly refusal: StaffRefusal | null,
  ) {
    super(message);
  }
}

const pending = new Map<string, { resolve(result: StaffResult): void; reject(error: Error): void }>();
let counter = 0;

/** Sends a staff request; resolves with the core's answer, rejects with the core's reason. */
export function staffRequest(bridge: KioskBridge, request: StaffRequest, timeoutMs = 60_000): Promise<StaffResult> {
  counter += 1;
  const requestId = `r${Date.now().toString(36)}-${counter}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(requestId);
      reject(new StaffRefusedError('no answer from the kiosk core', null));
    }, timeoutMs);
    pending.set(requestId, {
      resolve: (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    bridge.send({ type: 'staff.request', requestId, request });
  });
}

export function settleStaffRequest(requestId: string, answer: Answer): void {
  const waiting = pending.get(requestId);
  if (!waiting) return;
  pending.delete(requestId);
  if (answer.ok) waiting.resolve(answer.result);
  else waiting.reject(new StaffRefusedError(answer.error, answer.refusal ?? null));
}
