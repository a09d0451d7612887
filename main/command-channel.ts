import { KioskCommand, type KioskEvent } from '../contract/index.js';
import type { Logger } from './log.js';
import { CommandRejectedError, type KioskSession } from './session.js';

/**
 * The one door into the core for commands from a screen, whichever way they came (Electron IPC
 * or the browser-mode WebSocket). The screen is untrusted: everything is parsed with
 * KioskCommand first; a bad command is answered with `command.rejected` and changes nothing.
 */
export function receiveCommand(
  session: KioskSession,
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
  session.command(command.data).catch((error: unknown) => {
    if (error instanceof CommandRejectedError) reply({ type: 'command.rejected', reason: error.message });
    else {
      log.error({ err: error, command: command.data.type }, 'command failed');
      reply({ type: 'command.rejected', reason: 'internal error' });
    }
  });
}
