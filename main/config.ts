import envPaths from 'env-paths';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UnconfirmedDebtorPolicy } from '../contract/index.js';
import { DEFAULT_LIBRARY_CARD_PATTERNS } from '../devices/scanner/codes.js';
import { getPath, isEncrypted, SecretBox, SECRET_PATHS, setPath } from './secrets.js';

const HEX_ID = /^[0-9a-fA-F]{1,4}$/;

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
    /** `demo` runs against the built-in sandboxes and simulators; `production` against real systems. */
    mode: z.enum(['demo', 'production']).default('demo'),
    /** Where the journal database lives. Empty: the platform's data folder. */
    dataDir: z.string().default(''),
    storage: z
      .object({
        /**
         * Below this much free space on the journal's disk, new card payments are refused (before
         * the terminal is asked) with a message to ask the staff. A payment takes a few kB; the
         * margin keeps the log, the outbox and staff work writable.
         */
        minFreeMbToPay: z.number().min(0).max(100_000).default(50),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      })
      .strict()
      .prefault({}),
    ui: z
      .object({
        language: z.enum(['da', 'en']).default('da'),
        /** No touch for this long on a borrower's screen: a warning with a countdown… */
        idleTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
        /** …then, after this, back to the start (never while paying). */
        idleWarningMs: z.number().int().min(1_000).max(600_000).default(15_000),
        /** Off: a scanned card goes straight to the claims (FBS look-up without PIN), for libraries that allow it. */
        pinRequired: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Staff and technician log-in. */
    staff: z
      .object({
        /** Wrong PINs in a row before an account locks… */
        maxFailedAttempts: z.number().int().min(1).max(20).default(5),
        /** …for this long. */
        lockoutMs: z
          .number()
          .int()
          .min(1_000)
          .max(86_400_000)
          .default(15 * 60_000),
        /** A staff or technician session with no touch for this long is logged out. */
        idleLogoutMs: z.number().int().min(10_000).max(3_600_000).default(120_000),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        /** Rows handled at once. */
        concurrency: z.number().int().min(1).max(64).default(4),
        /** How long one external call may take before it counts as a transient failure. */
        callTimeoutMs: z.number().int().min(100).max(300_000).default(30_000),
        /** A leased row whose worker died is retried after this; must exceed callTimeoutMs. */
        leaseMs: z.number().int().min(200).max(3_600_000).default(120_000),
        /** First retry delay; doubles per attempt (full jitter), up to maxBackoffMs. */
        baseBackoffMs: z.number().int().min(10).max(3_600_000).default(2_000),
        maxBackoffMs: z.number().int().min(10).max(86_400_000).default(600_000),
        /** How often to look for due rows when nothing woke the worker. */
        pollIntervalMs: z.number().int().min(10).max(600_000).default(5_000),
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
      }),
    fbs: z
      .object({
        /** FBS external API base URL, e.g. https://cicero-fbs.com/rest. Empty in demo mode: the built-in sandbox. */
        baseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).default(''),
        /** The library's ISIL. */
        agencyId: z
          .string()
          .regex(/^DK-\d{6}$/, 'an ISIL such as DK-761500')
          .default('DK-761500'),
        /** The kiosk's own FBS client account. */
        username: z.string().default(''),
        password: z.string().default(''),
        timeoutMs: z.number().int().min(500).max(120_000).default(10_000),
        /** Let blocked borrowers pay at the kiosk. Off: they are sent to staff. */
        allowBlockedBorrowers: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    oeir: z
      .object({
        /** `sandbox` starts the built-in ØiR sandbox (demo); `exttest` and `prod` are Serviceplatformen's. */
        environment: z.enum(['sandbox', 'exttest', 'prod']).default('sandbox'),
        /** Overrides the environment's endpoint (the exact path comes with the integration package). */
        endpoint: z.union([z.literal(''), z.url({ protocol: /^https$/ })]).default(''),
        /** The service's WSDL; empty: the modelled one shipped with the kiosk. */
        wsdlPath: z.string().default(''),
        /** The organisation certificate (FOCES/OCES3) as a PKCS#12 file, and its password. */
        certificatePath: z.string().default(''),
        certificatePassword: z.string().default(''),
        /** Extra CA (PEM) to trust for Serviceplatformen's server certificate; empty: the system's. */
        caPath: z.string().default(''),
        /** Security model: AuthorityContext (municipality CVR) or InvocationContext (service agreement). */
        context: z.enum(['authority', 'invocation']).default('authority'),
        municipalityCvr: z.union([z.literal(''), z.string().regex(/^\d{8}$/, 'a CVR number has 8 digits')]).default(''),
        invocation: z
          .object({
            serviceAgreementUuid: z.union([z.literal(''), z.uuid()]).default(''),
            userSystemUuid: z.union([z.literal(''), z.uuid()]).default(''),
            userUuid: z.union([z.literal(''), z.uuid()]).default(''),
            serviceUuid: z.union([z.literal(''), z.uuid()]).default(''),
          })
          .strict()
          .prefault({}),
        timeoutMs: z.number().int().min(500).max(120_000).default(15_000),
        /**
         * Debtor-route claims the debtor system cannot confirm as still open (ØiR unreachable):
         * `counter-only` charges them only at the counter (staff present), `refuse` never,
         * `accept-and-queue` always (the registration waits in the outbox). Read the README first.
         */
        offlinePolicy: UnconfirmedDebtorPolicy.default('counter-only'),
        /** A claim the debtor system confirmed open this recently still counts as confirmed when it is unreachable. */
        confirmationValidMinutes: z.number().int().min(0).max(60).default(10),
        breaker: z
          .object({
            failuresToOpen: z.number().int().min(1).max(100).default(5),
            halfOpenAfterMs: z.number().int().min(100).max(3_600_000).default(30_000),
          })
          .strict()
          .prefault({}),
        /** Where payments are taken, sent with each payment (e.g. "Hovedbiblioteket, kiosk 1"). */
        place: z.string().max(100).default(''),
      })
      .strict()
      .prefault({}),
    scanner: z
      .object({
        /** Regular expressions for this installation's library card numbers (whole code). */
        libraryCardPatterns: z
          .array(
            z.string().refine(
              (p) => {
                try {
                  new RegExp(p, 'u');
                  return true;
                } catch {
                  return false;
                }
              },
              { message: 'not a valid regular expression' },
            ),
          )
          .min(1)
          .max(20)
          .default([...DEFAULT_LIBRARY_CARD_PATTERNS]),
        /** The same code again within this window (any scanner) counts once. */
        debounceMs: z.number().int().min(0).max(60_000).default(1_500),
        /** How often to look for an unplugged scanner. */
        reconnectPollMs: z.number().int().min(50).max(60_000).default(1_000),
        /** Serial (USB-CDC, RS-232) scanners. */
        serial: z
          .array(
            z
              .object({
                /** A device path (/dev/ttyACM0, COM3), or empty to find the port by USB id. */
                path: z.string().max(300).default(''),
                /** USB ids, hex (e.g. "0c2e"). */
                vendorId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
                productId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
                baudRate: z.number().int().min(300).max(4_000_000).default(9_600),
                /** What ends each code: CR (factory default on most scanners), LF, CRLF, or a custom string. */
                suffix: z
                  .union([z.enum(['CR', 'LF', 'CRLF']), z.object({ custom: z.string().min(1).max(16) }).strict()])
                  .default('CR'),
                /** A prefix the scanner is set to send before each code (removed), or empty. */
                prefix: z.string().max(16).default(''),
              })
              .strict()
              .refine((s) => !!s.path || !!s.vendorId, { message: 'give a path or a vendorId', path: ['path'] }),
          )
          .max(8)
          .default([]),
        /** HID-POS scanners (USB HID usage page 0x8C), via node-hid. */
        hid: z
          .object({
            enabled: z.boolean().default(false),
            /** Empty: any device declaring the bar code scanner usage page. */
            vendorId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
            productId: z.string().regex(HEX_ID).or(z.literal('')).default(''),
          })
          .strict()
          .prefault({}),
        /** Keyboard-wedge scanners, caught by the renderer from key timing. */
        wedge: z
          .object({
            enabled: z.boolean().default(true),
            maxInterKeyMs: z.number().int().min(5).max(500).default(50),
            minLength: z.number().int().min(2).max(64).default(6),
            suffixKey: z.enum(['Enter', 'Tab', 'none']).default('Enter'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    library: z
      .object({
        /** Printed at the top of every receipt. */
        name: z.string().min(1).max(200).default('Demobiblioteket'),
        /** Printed at the bottom of every receipt (opening hours, a thank-you…). */
        receiptText: z.string().max(300).default(''),
        /** Receipt times are shown in this zone. */
        timeZone: z
          .string()
          .refine(validTimeZone, { message: 'not a time zone name (e.g. Europe/Copenhagen)' })
          .default('Europe/Copenhagen'),
      })
      .strict()
      .prefault({}),
    printer: z
      .object({
        /** `simulator`: a built-in network printer on loopback (demo); `tcp`, `serial`, `usb`: a real ESC/POS printer. */
        type: z.enum(['simulator', 'tcp', 'serial', 'usb', 'none']).default('simulator'),
        /** Network printers: address and raw port. */
        host: z.string().max(200).default(''),
        port: z.number().int().min(1).max(65_535).default(9_100),
        /** Serial: the port; USB: the printer device (/dev/usb/lp0). */
        path: z.string().max(300).default(''),
        baudRate: z.number().int().min(300).max(4_000_000).default(19_200),
        /** Characters per line: 48 for 80 mm paper, 32 for 58 mm. */
        columns: z.number().int().min(24).max(80).default(48),
        /** A receipt that takes longer is given up (shown on screen instead). */
        timeoutMs: z.number().int().min(200).max(60_000).default(5_000),
        statusTimeoutMs: z.number().int().min(50).max(10_000).default(500),
      })
      .strict()
      .prefault({}),
    terminal: z
      .object({
        /** `simulator`: the built-in terminal simulator (demo); `nexo`: a real terminal; `none`: no card payment. */
        driver: z.enum(['simulator', 'nexo', 'none']).default('simulator'),
        /** The terminal's Terminal API address, e.g. https://192.168.1.40:8443/nexo. */
        url: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).default(''),
        /** The terminal's POIID, "[model]-[serial]". */
        poiId: z.string().max(100).default(''),
        /** This kiosk's SaleID towards the terminal. */
        saleId: z
          .string()
          .regex(/^[A-Za-z0-9-]{1,40}$/)
          .default('KIOSK1'),
        /** The terminal's shared key. An empty passphrase: the unencrypted lab variant (refused in production). */
        keyIdentifier: z.string().max(100).default(''),
        keyVersion: z.number().int().min(0).default(1),
        passphrase: z.string().max(200).default(''),
        /** CA (PEM file) that signed the terminal's certificate. */
        caPath: z.string().default(''),
        /** The terminal's own payment timeout, and ours, which must be longer. */
        terminalTimeoutMs: z.number().int().min(500).max(600_000).default(120_000),
        clientTimeoutMs: z.number().int().min(1_000).max(900_000).default(135_000),
        /** Status, abort, login and reversal requests. */
        requestTimeoutMs: z.number().int().min(200).max(60_000).default(10_000),
        /**
         * The longest a payment request may take to reach the terminal (a stalled link, or a request
         * left in a killed kiosk's socket). Until this plus terminalTimeoutMs has passed since it
         * was sent, the terminal's "not found" proves nothing and the payment stays in doubt.
         */
        maxRequestTransitMs: z.number().int().min(0).max(600_000).default(30_000),
        /** How often the day's payments are checked against the terminal's own record. */
        auditIntervalMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
        /** Recovery of a lost answer: how often to ask, and when to hand the payment to staff. */
        statusPollMs: z.number().int().min(20).max(60_000).default(2_000),
        resolveGiveUpMs: z.number().int().min(100).max(3_600_000).default(180_000),
        /** Demo only: how long the simulated borrower takes per step at the simulator (card, PIN…). */
        simulatorStepMs: z.number().int().min(0).max(10_000).default(700),
        /** How often to check that the terminal is there and logged in. */
        healthIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
        /** Where the terminal posts display notifications (its event URL points here). */
        notifications: z
          .object({
            host: z.string().min(1).default('127.0.0.1'),
            port: z.number().int().min(0).max(65_535).default(0),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({})
      .refine((t) => t.clientTimeoutMs >= t.terminalTimeoutMs + 5_000, {
        message:
          'clientTimeoutMs must be at least 5 s longer than terminalTimeoutMs: the kiosk must never give up before the terminal',
        path: ['clientTimeoutMs'],
      }),
    diagnostics: z
      .object({
        /** `kiosk doctor` calls the data disk broken below this much free space. */
        minFreeDiskMb: z.number().int().min(1).max(10_000_000).default(500),
        /** A library card FBS should know, looked up (without PIN) to test the FBS access. Empty: log-in only. */
        fbsTestCard: z.string().max(40).default(''),
      })
      .strict()
      .prefault({}),
    browserMode: z
      .object({
        /** Loopback only: the browser-mode server never listens on a network interface. */
        host: z.literal('127.0.0.1').default('127.0.0.1'),
        /** 0 picks a free port. */
        port: z.number().int().min(0).max(65_535).default(0),
      })
      .strict()
      .prefault({}),
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
    if (config.mode !== 'production') return;
    if (printer.type === 'simulator') {
      ctx.addIssue({
        code: 'custom',
        path: ['printer', 'type'],
        message: 'the printer simulator cannot be used in production mode (use none, tcp, serial or usb)',
      });
    }
    if (terminal.driver === 'simulator') {
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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const APP_NAME = 'library-payment-kiosk';

export interface ConfigSource {
  /** Environment: KIOSK_CONFIG overrides the file's path, KIOSK_DATA_DIR the data folder. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The config file's path: $KIOSK_CONFIG, or config.json in the platform's config folder. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.KIOSK_CONFIG ?? join(envPaths(APP_NAME, { suffix: '' }).config, 'config.json');
}

export function defaultDataDir(): string {
  return envPaths(APP_NAME, { suffix: '' }).data;
}

/** Loads and validates the config. A missing file means all defaults (demo mode). */
export function loadConfig({ env = process.env }: ConfigSource = {}): KioskConfig & {
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
      throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
  }
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const config = parseConfig(decryptSecrets(raw, path), path);
  const dataDir = env.KIOSK_DATA_DIR ?? (config.dataDir || defaultDataDir());
  return { ...config, dataDir, source: text === undefined ? `${path} (not found: defaults)` : path };
}

/** The config with its encrypted secrets (main/secrets.ts) decrypted, for use in memory only. */
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
    throw new ConfigError(`cannot read the secret key for ${configFile}: ${(error as Error).message}`);
  }
  if (!box) throw new ConfigError(`${configFile} holds encrypted secrets, but secret.key next to it is missing`);
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (const key of encrypted) {
    try {
      setPath(copy, key, box.decrypt(key, getPath(raw, key) as string));
    } catch (error) {
      throw new ConfigError((error as Error).message);
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
