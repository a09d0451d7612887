import { ExpectedError } from '../base/errors.js';

/** A command typed wrong: the message, then the usage, exit code 2. */
export class UsageError extends ExpectedError {}

/** One line of the command's answer on standard output. */
export const out = (text: string): void => void process.stdout.write(`${text}\n`);
