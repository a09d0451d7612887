import envPaths from 'env-paths';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Language } from '../contract/index.js';
import { FbsConfig } from '../integrations/fbs/config.js';
import { OeirConfig } from '../integrations/oeir/config.js';
import { ScannerConfig } from '../devices/scanner/config.js';
import { PrinterConfig } from '../devices/printer/config.js';
import { TerminalConfig } from '../devices/terminal/config.js';
import { MobilePayConfig, mobilePayEnabled } from '../integrations/mobilepay/config.js';
import { getPath, isEncrypted, SecretBox, SECRET_PATHS, setPath } from './secrets.js';
import { ExpectedError } from '../base/errors.js';
import { messageOf } from '../base/errors.js';

/** WCAG 2.1 contrast ratio of white against a #rrggbb colour (relative luminance, sRGB). */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return 1.05 / (luminance + 0.05);
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * All configuration in one schema. Every key has a default that runs the demo (sandboxes and
 * simulated devices), so a kiosk with no config file starts in demo mode.
 */
export const KioskConfig = z
  .object({
    mode: z
      .enum(['demo', 'production'])
      .default('demo')
      .describe('`demo` runs against the built-in sandboxes and simulators; `production` against real systems.'),
    dataDir: z.string().default('').describe("Where the journal database lives. Empty: the platform's data folder."),
    storage: z
      .object({
        minFreeMbToPay: z
          .number()
          .min(0)
          .max(100_000)
          .default(50)
          .describe(
            "Below this much free space on the journal's disk, new card payments are refused (before the terminal is asked) with a message to ask the staff. A payment takes a few kB; the margin keeps the log, the outbox and staff work writable.",
          ),
      })
      .strict()
      .prefault({})
      .describe('Free disk space the kiosk needs to take payments.'),
    ops: z
      .object({
        listen: z
          .union([z.literal(''), z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):\d{1,5}$/u)])
          .default('')
          .describe(
            "The operations listener for a municipality's monitoring (Prometheus `/metrics`, `/health`, `/ready`), as `address:port`, e.g. `0.0.0.0:9464`. Empty (default): off. Never the browser-mode port.",
          ),
        bearerToken: z
          .string()
          .default('')
          .describe(
            'What scrapers send as `Authorization: Bearer …` (set with `kiosk config set ops.bearerToken`, stored encrypted; never logged). Required when `listen` is set.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Operations: metrics and health for the fleet.'),
    log: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
          .default('info')
          .describe(
            'How much the log records (JSON lines in logs/ in the data folder: a file a day, 14 kept, logs/current.log the one being written). PINs, passwords and keys are never logged; CPR and card numbers are masked.',
          ),
      })
      .strict()
      .prefault({})
      .describe('Logging.'),
    ui: z
      .object({
        language: Language.default('da').describe(
          "The borrower's screen starts in this language (Danish or English); it returns to it after each borrower.",
        ),
        idleTimeoutMs: z
          .number()
          .int()
          .min(1_000)
          .max(3_600_000)
          .default(60_000)
          .describe("No touch for this long on a borrower's screen: a warning with a countdown…"),
        idleWarningMs: z
          .number()
          .int()
          .min(1_000)
          .max(600_000)
          .default(15_000)
          .describe('…then, after this, back to the start (never while paying).'),
        approvedReturnMs: z
          .number()
          .int()
          .min(5_000)
          .max(120_000)
          .default(20_000)
          .describe(
            'After a payment, the thank-you screen returns to the start by itself after this long (a countdown shows it).',
          ),
        scanSound: z
          .boolean()
          .default(false)
          .describe(
            'A short tone when a card is read from a keyboard-wedge scanner, and a low one when a scan was not read.',
          ),
        pinRequired: z
          .boolean()
          .default(true)
          .describe(
            'Off: a scanned card goes straight to the claims (FBS look-up without PIN), for libraries that allow it.',
          ),
      })
      .strict()
      .prefault({})
      .describe("The borrower's screen."),
    staff: z
      .object({
        maxFailedAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(5)
          .describe('Wrong PINs in a row before an account locks…'),
        lockoutMs: z
          .number()
          .int()
          .min(1_000)
          .max(86_400_000)
          .default(15 * 60_000)
          .describe('…for this long.'),
        idleLogoutMs: z
          .number()
          .int()
          .min(10_000)
          .max(3_600_000)
          .default(120_000)
          .describe('A staff or technician session with no touch for this long is logged out.'),
      })
      .strict()
      .prefault({})
      .describe('Staff and technician log-in.'),
    outbox: z
      .object({
        concurrency: z.number().int().min(1).max(64).default(4).describe('Rows handled at once.'),
        callTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(300_000)
          .default(30_000)
          .describe('How long one external call may take before it counts as a transient failure.'),
        leaseMs: z
          .number()
          .int()
          .min(200)
          .max(3_600_000)
          .default(120_000)
          .describe('A leased row whose worker died is retried after this; must exceed callTimeoutMs.'),
        baseBackoffMs: z
          .number()
          .int()
          .min(10)
          .max(3_600_000)
          .default(2_000)
          .describe('First retry delay; doubles per attempt (full jitter), up to maxBackoffMs.'),
        maxBackoffMs: z
          .number()
          .int()
          .min(10)
          .max(86_400_000)
          .default(600_000)
          .describe('The longest wait between two tries of the same registration.'),
        pollIntervalMs: z
          .number()
          .int()
          .min(10)
          .max(600_000)
          .default(5_000)
          .describe('How often to look for due rows when nothing woke the worker.'),
      })
      .strict()
      .prefault({})
      .refine((o) => o.leaseMs > o.callTimeoutMs, {
        message: 'leaseMs must be longer than callTimeoutMs, or a slow call would be sent twice at once',
        path: ['leaseMs'],
      })
      .refine((o) => o.maxBackoffMs >= o.baseBackoffMs, {
        message: 'maxBackoffMs must be at least baseBackoffMs',
        path: ['maxBackoffMs'],
      })
      .describe(
        "Forwarding approved payments to FBS and ØiR: every registration waits in the journal's outbox until it is delivered.",
      ),
    fbs: FbsConfig.prefault({}).describe(
      "The FBS connection: the library system's external API (borrowers, claims, FBS-route payments).",
    ),
    oeir: OeirConfig.prefault({}).describe(
      "The ØiR connection (KOMBIT's DebitorIndbetaling via Serviceplatformen) for debtor-route payments, and what to do when it cannot confirm a claim.",
    ),
    scanner: ScannerConfig.prefault({}).describe(
      'Scanners (serial, HID-POS, keyboard wedge) and what counts as a library card.',
    ),
    library: z
      .object({
        name: z.string().min(1).max(200).default('Demobiblioteket').describe('Printed at the top of every receipt.'),
        kioskId: z
          .union([z.literal(''), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u)])
          .default('')
          .describe(
            "This kiosk's name in the municipality's day reports (`kiosk report --export`), e.g. `hovedbibliotek-1`. Empty: the machine's host name.",
          ),
        receiptText: z
          .string()
          .max(300)
          .default('')
          .describe('Printed at the bottom of every receipt (opening hours, a thank-you…).'),
        timeZone: z
          .string()
          .refine(validTimeZone, { message: 'not a time zone name (e.g. Europe/Copenhagen)' })
          .default('Europe/Copenhagen')
          .describe('Receipt times, and every time on the staff screens, are shown in this zone.'),
        accentColour: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/u, 'a colour as #rrggbb')
          .refine((colour) => contrastWithWhite(colour) >= 4.5, {
            message:
              'the accent colour is too light: white text on it must have a contrast of at least 4.5:1 (WCAG AA); choose a darker shade',
          })
          .default('#0b5c8a')
          .describe(
            "The library's own colour for buttons and headings on the screen. Checked at start: white text on it needs 4.5:1 contrast.",
          ),
        logoFile: z
          .string()
          .default('')
          .describe(
            "The library's logo on the screen (a PNG, JPEG or SVG file, at most 300 kB). Empty: the library's name only.",
          ),
      })
      .strict()
      .prefault({})
      .describe('The library, as receipts show it.'),
    printer: PrinterConfig.prefault({}).describe('The receipt printer.'),
    terminal: TerminalConfig.prefault({}).describe('The card terminal.'),
    mobilepay: MobilePayConfig.prefault({}).describe(
      'MobilePay (Vipps MobilePay ePayment API): the borrower pays by scanning a QR code. Off by default.',
    ),
    diagnostics: z
      .object({
        minFreeDiskMb: z
          .number()
          .int()
          .min(1)
          .max(10_000_000)
          .default(500)
          .describe('`kiosk doctor` calls the data disk broken below this much free space.'),
        fbsTestCard: z
          .string()
          .max(40)
          .default('')
          .describe(
            'A library card FBS should know, looked up (without PIN) to test the FBS access. Empty: log-in only.',
          ),
      })
      .strict()
      .prefault({})
      .describe("`kiosk doctor` and the technician's Diagnose screen."),
    browserMode: z
      .object({
        host: z
          .literal('127.0.0.1')
          .default('127.0.0.1')
          .describe('Loopback only: the browser-mode server never listens on a network interface.'),
        port: z.number().int().min(0).max(65_535).default(0).describe('0 picks a free port.'),
      })
      .strict()
      .prefault({})
      .describe('Browser mode: the kiosk screen served to a browser on this machine (when Electron is not used).'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const required = (path: string[], present: boolean, why: string): void => {
      if (!present) ctx.addIssue({ code: 'custom', path, message: `required ${why}` });
    };
    const oeir = config.oeir;
    if (oeir.environment !== 'sandbox') {
      required(['oeir', 'certificatePath'], !!oeir.certificatePath, `for ØiR ${oeir.environment}`);
      if (oeir.context === 'authority')
        required(['oeir', 'municipalityCvr'], !!oeir.municipalityCvr, 'with the authority context');
      if (oeir.context === 'invocation') {
        for (const key of ['serviceAgreementUuid', 'userSystemUuid', 'userUuid', 'serviceUuid'] as const) {
          required(['oeir', 'invocation', key], !!oeir.invocation[key], 'with the invocation context');
        }
      }
    }
    // The operations listener is never open without a token.
    if (config.ops.listen) required(['ops', 'bearerToken'], !!config.ops.bearerToken, 'when ops.listen is set');
    const printer = config.printer;
    if (printer.type === 'tcp') required(['printer', 'host'], !!printer.host, 'for a network printer');
    if (printer.type === 'serial' || printer.type === 'usb')
      required(['printer', 'path'], !!printer.path, `for a ${printer.type} printer`);
    const terminal = config.terminal;
    if (terminal.driver === 'nexo') {
      required(['terminal', 'url'], !!terminal.url, 'for a nexo terminal');
      required(['terminal', 'poiId'], !!terminal.poiId, 'for a nexo terminal');
      if (terminal.passphrase) required(['terminal', 'keyIdentifier'], !!terminal.keyIdentifier, 'with a passphrase');
    }
    if (terminal.driver === 'nets-cloud') {
      for (const key of ['username', 'password', 'terminalId'] as const)
        required(['terminal', 'netsCloud', key], !!terminal.netsCloud[key], 'for a Nets Connect@Cloud terminal');
    }
    const { mobilepay } = config;
    const offered = mobilePayEnabled(config);
    if (offered && mobilepay.environment !== 'sandbox') {
      for (const key of ['clientId', 'clientSecret', 'subscriptionKey', 'merchantSerialNumber'] as const)
        required(['mobilepay', key], !!mobilepay[key], 'for MobilePay');
    }
    if (config.mode !== 'production') return;
    if (offered && mobilepay.environment === 'sandbox') {
      ctx.addIssue({
        code: 'custom',
        path: ['mobilepay', 'environment'],
        message: 'the MobilePay sandbox cannot be used in production mode',
      });
    }
    if (printer.type === 'simulator') {
      ctx.addIssue({
        code: 'custom',
        path: ['printer', 'type'],
        message: 'the printer simulator cannot be used in production mode (use none, tcp, serial or usb)',
      });
    }
    if (terminal.driver === 'simulator' || terminal.driver === 'nets-cloud-simulator') {
      ctx.addIssue({
        code: 'custom',
        path: ['terminal', 'driver'],
        message: 'the terminal simulator cannot be used in production mode',
      });
    }
    if (terminal.driver === 'nexo') {
      required(
        ['terminal', 'passphrase'],
        !!terminal.passphrase,
        'in production mode (unencrypted is for lab terminals)',
      );
      required(['terminal', 'url'], terminal.url.startsWith('https:'), 'to be https in production mode');
    }
    for (const key of ['baseUrl', 'username', 'password'] as const)
      required(['fbs', key], !!config.fbs[key], 'in production mode');
    if (oeir.environment === 'sandbox') {
      ctx.addIssue({
        code: 'custom',
        path: ['oeir', 'environment'],
        message: 'the ØiR sandbox cannot be used in production mode',
      });
    }
  });
export type KioskConfig = z.infer<typeof KioskConfig>;

export class ConfigError extends ExpectedError {
  override name = 'ConfigError';
}

const APP_NAME = 'library-payment-kiosk';

export interface ConfigSource {
  /** Environment: KIOSK_CONFIG overrides the file's path, KIOSK_DATA_DIR the data folder. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * An installed kiosk (the packaged app): it runs only what its config file names. No file, or
   * a file without `mode`, is a kiosk not set up yet — never a demo on real devices.
   */
  readonly installed?: boolean;
}

/** An installed kiosk whose config file does not say what it is: the message says what to do. */
export class NotSetUpError extends ConfigError {
  override name = 'NotSetUpError';
}

/** What a technician does first on a new kiosk (docs/operations.md, "First start"). */
export const SET_UP_STEPS =
  'Set it up over SSH: `kiosk setup --id <id> --name <name>` (the first technician account), then ' +
  '`kiosk config set …` for FBS, ØiR, the terminal, scanners and printer, then `kiosk config set mode production`, ' +
  'and `kiosk doctor`. A demo on this machine: `kiosk config set mode demo`.';

/** The config file's path: $KIOSK_CONFIG, or config.json in the platform's config folder. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KIOSK_CONFIG ?? join(envPaths(APP_NAME, { suffix: '' }).config, 'config.json');
}

export function defaultDataDir(): string {
  return envPaths(APP_NAME, { suffix: '' }).data;
}

/**
 * Loads and validates the config. A missing file means all defaults (demo mode) — except on an
 * installed kiosk, which then is not set up (NotSetUpError).
 */
export function loadConfig({ env = process.env, installed = false }: ConfigSource = {}): KioskConfig & {
  dataDir: string;
  source: string;
} {
  const path = configPath(env);
  let raw: unknown = {};
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`cannot read config file ${path}: ${messageOf(error)}`);
    }
  }
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${messageOf(error)}`);
    }
  }
  if (installed && (text === undefined || typeof (raw as { mode?: unknown } | null)?.mode !== 'string')) {
    throw new NotSetUpError(
      `This kiosk is not set up yet: ${text === undefined ? `there is no ${path}` : `${path} does not name a mode`}. ${SET_UP_STEPS}`,
    );
  }
  const config = parseConfig(decryptSecrets(raw, path), path);
  const dataDir = env.KIOSK_DATA_DIR ?? (config.dataDir || defaultDataDir());
  return { ...config, dataDir, source: text === undefined ? `${path} (not found: defaults)` : path };
}

/**
 * The data folder (where the journal is) without validating the rest of the config: accounts
 * are set up before FBS, ØiR and the terminal are (`kiosk setup`, `kiosk accounts`).
 */
export function configuredDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KIOSK_DATA_DIR) return env.KIOSK_DATA_DIR;
  const path = configPath(env);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultDataDir();
    throw new ConfigError(`cannot read config file ${path}: ${messageOf(error)}`);
  }
  const dataDir = (raw as { dataDir?: unknown } | null)?.dataDir;
  return typeof dataDir === 'string' && dataDir !== '' ? dataDir : defaultDataDir();
}

/** The config with its encrypted secrets (config/secrets.ts) decrypted, for use in memory only. */
export function decryptSecrets(raw: unknown, configFile: string): unknown {
  const encrypted = SECRET_PATHS.filter((key) => {
    const value = getPath(raw, key);
    return typeof value === 'string' && isEncrypted(value);
  });
  if (encrypted.length === 0) return raw;
  let box: SecretBox | null;
  try {
    box = SecretBox.forConfig(configFile, { create: false });
  } catch (error) {
    throw new ConfigError(`cannot read the secret key for ${configFile}: ${messageOf(error)}`);
  }
  if (!box) throw new ConfigError(`${configFile} holds encrypted secrets, but secret.key next to it is missing`);
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (const key of encrypted) {
    try {
      setPath(copy, key, box.decrypt(key, getPath(raw, key) as string));
    } catch (error) {
      throw new ConfigError(messageOf(error));
    }
  }
  return copy;
}

/** Validates a config object; the error names each wrong key and what is wrong with it. */
export function parseConfig(raw: unknown, source = 'config'): KioskConfig {
  const result = KioskConfig.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  ${key}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration in ${source}:\n${problems.join('\n')}`);
}
