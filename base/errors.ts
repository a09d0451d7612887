/**
 * Errors the kiosk expects and explains: a refused command, a staff action that is not allowed,
 * a wrong setting. Their message is written for the person in front of the screen (or at the
 * command line) and is shown as it is; anything else is a fault, logged with its stack and shown
 * only as "internal error".
 */
export class ExpectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The message of whatever was thrown: an Error's message, otherwise its text. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
