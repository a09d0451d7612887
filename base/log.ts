import pino, { type DestinationStream, type Logger } from 'pino';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** The kiosk's log file: kept next to the journal, started afresh past this size (one old file kept). */
const MAX_LOG_BYTES = 20 * 1024 * 1024;

export function logFile(dataDir: string): string {
  return join(dataDir, 'logs', 'kiosk.log');
}

/** Standard output and a log file in the data folder, for `kiosk export-logs`. */
export function fileAndStdout(file: string): DestinationStream {
  mkdirSync(dirname(file), { recursive: true });
  try {
    if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // no file yet
  }
  return pino.multistream([
    { stream: pino.destination({ fd: 1, sync: false }) },
    { stream: pino.destination({ dest: file, sync: false, mode: 0o600 }) },
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
