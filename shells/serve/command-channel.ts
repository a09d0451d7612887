import { KioskCommand, type KioskEvent } from '../../contract/index.js';
import type { Logger } from '../../base/log.js';
import type { KioskSession } from '../../core/session.js';
import type { StaffConsole } from '../../core/staff-console.js';
import { ExpectedError } from '../../base/errors.js';
import { StaffActionRefusedError } from '../../core/payment-desk.js';

/** What a screen drives: the borrower's session and staff mode. */
export interface ScreenTargets {
  readonly session: KioskSession;
  readonly staff: StaffConsole;
}

/** Everything a screen needs to draw itself after it (re)connects. */
export function screenSnapshot(targets: ScreenTargets): KioskEvent[] {
  return [
    { type: 'session.view', ...targets.session.current() },
    { type: 'staff.state', state: targets.staff.current() },
  ];
}

/** Every later change, as events for the screen. */
export function onScreenEvents(targets: ScreenTargets, listener: (event: KioskEvent) => void): () => void {
  const offSession = targets.session.onChange((view, language) => listener({ type: 'session.view', view, language }));
  const offStaff = targets.staff.onEvent(listener);
  return () => {
    offSession();
    offStaff();
  };
}

/**
 * The one door into the core for commands from a screen, whichever way they came (Electron IPC
 * or the browser-mode WebSocket). The screen is untrusted: everything is parsed with
 * KioskCommand first; a bad command is answered with `command.rejected` and changes nothing.
 * Staff requests are answered with `staff.result`, refused ones with the reason.
 */
export function receiveCommand(
  targets: ScreenTargets,
  raw: unknown,
  reply: (event: KioskEvent) => void,
  log: Logger,
): void {
  const command = KioskCommand.safeParse(raw);
  if (!command.success) {
    const reason = command.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; ');
    reply({ type: 'command.rejected', reason: reason.slice(0, 500) });
    return;
  }
  const data = command.data;
  if (data.type === 'staff.request') {
    targets.staff.request(data.request).then(
      (result) => reply({ type: 'staff.result', requestId: data.requestId, answer: { ok: true, result } }),
      (error: unknown) => {
        const expected = error instanceof ExpectedError;
        if (!expected) log.error({ err: error, request: data.request.op }, 'staff request failed');
        const message = expected ? error.message : 'internal error: see the kiosk log';
        const refusal =
          error instanceof StaffActionRefusedError
            ? { code: error.code, ...(error.detail ? { detail: error.detail.slice(0, 500) } : {}) }
            : undefined;
        reply({
          type: 'staff.result',
          requestId: data.requestId,
          answer: { ok: false, error: message.slice(0, 1000), ...(refusal ? { refusal } : {}) },
        });
      },
    );
    return;
  }
  run(targets, data).catch((error: unknown) => {
    if (error instanceof ExpectedError) reply({ type: 'command.rejected', reason: error.message });
    else {
      log.error({ err: error, command: data.type }, 'command failed');
      reply({ type: 'command.rejected', reason: 'internal error' });
    }
  });
}

async function run(targets: ScreenTargets, command: Exclude<KioskCommand, { type: 'staff.request' }>): Promise<void> {
  const { staff, session } = targets;
  switch (command.type) {
    case 'staff.begin':
      return staff.begin();
    case 'staff.choose':
      return staff.choose(command.accountId);
    case 'staff.login':
      return staff.login(command.pin);
    case 'staff.logout':
      return staff.logout();
    case 'staff.activity':
      return staff.activity();
    default:
      return session.command(command);
  }
}
