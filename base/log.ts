import pino, { type DestinationStream, type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { maskIdentifier, maskSensitiveText } from './redact.js';

export type { Logger } from 'pino';

/**
 * Field names whose values never reach a log in full. PINs and secrets are removed;
 * card numbers and CPR keep their last four characters so staff can still match a case.
 */
const SECRET_KEYS = [
  'pin',
  'pincode',
  'password',
  'passphrase',
  'sessionKey',
  'secret',
  'certificatePassword',
  'authorization',
  'x-session',
];
const CARD_KEYS = ['cpr', 'cprNumber', 'libraryCardNumber', 'cardNumber', 'pan'];

function paths(keys: readonly string[]): string[] {
  // Top level, one level down, and two levels down (req.headers.authorization etc.).
  return keys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
}

/** Masks CPR- and card-shaped numbers in every string of a log record, however deep. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskSensitiveText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return scrub(pino.stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

/** The kiosk's log folder, next to the journal. */
export function logDir(dataDir: string): string {
  return join(dataDir, 'logs');
}

/** How many days of log files are kept (a new file each day, and past 20 MB within a day). */
export const LOG_FILES_KEPT = 14;

/**
 * Standard output and JSON-lines files in the data folder, rotated by pino-roll: a new file each
 * day and past 20 MB (`kiosk.2026-12-03.1.log`), the last 14 kept, `current.log` pointing at the
 * one being written — what a log shipper follows. Lines are already scrubbed when they get here
 * (createLogger): no PIN, password or key; CPR and card numbers masked.
 */
export async function rollingFileAndStdout(dir: string): Promise<DestinationStream> {
  // pino-roll links current.log before its stream has made the folder.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = await pinoRoll({
    file: join(dir, 'kiosk'),
    extension: '.log',
    frequency: 'daily',
    dateFormat: 'yyyy-MM-dd',
    size: '20m',
    limit: { count: LOG_FILES_KEPT },
    symlink: true,
    mkdir: true,
    mode: 0o600,
    sync: false,
  });
  // Each stream takes every level: the logger's own level (log.level) decides (multistream's
  // default, info, would drop debug lines even with log.level debug).
  return pino.multistream([
    { level: 'trace', stream: pino.destination({ fd: 1, sync: false }) },
    { level: 'trace', stream: files },
  ]);
}

export function createLogger(options: { level?: string; destination?: DestinationStream; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'kiosk',
      level: options.level ?? 'info',
      redact: {
        paths: [...paths(SECRET_KEYS), ...paths(CARD_KEYS)],
        censor: (value, path) =>
          CARD_KEYS.includes(path[path.length - 1] ?? '') ? maskIdentifier(value) : '[redacted]',
      },
      // Errors are serialized (and masked) by scrub() in formatters.log, which runs first;
      // pino's own err serializer would serialize the result a second time.
      serializers: { err: (value: unknown) => value },
      formatters: {
        log: (record) => scrub(record) as Record<string, unknown>,
      },
      hooks: {
        // Free-text messages ("card 0101901234 not found") are scrubbed too.
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskSensitiveText(a) : a));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
