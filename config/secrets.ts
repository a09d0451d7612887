import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ExpectedError } from '../base/errors.js';

/**
 * Secrets in the config file (the FBS password, the certificate password, the terminal's key
 * passphrase) are stored encrypted: AES-256-GCM with a random key in `secret.key` next to the
 * config file, readable by the kiosk's user only (0600). The key path is bound in as associated
 * data, so a ciphertext copied to another key does not decrypt.
 *
 * Why a key file and not Electron's safeStorage: the same secrets must be readable by the
 * `kiosk` command over SSH, where there is no Electron, and on Linux without a desktop keyring
 * safeStorage falls back to a fixed key anyway. The file's permissions are checked on every read.
 */
export const SECRET_PATHS = [
  'fbs.password',
  'oeir.certificatePassword',
  'terminal.passphrase',
  'terminal.notifications.password',
  'terminal.netsCloud.password',
  'mobilepay.clientSecret',
  'mobilepay.subscriptionKey',
  'ops.bearerToken',
] as const;
export type SecretPath = (typeof SECRET_PATHS)[number];

const PREFIX = 'enc:v1:';
const KEY_FILE = 'secret.key';

export class SecretsError extends ExpectedError {
  override name = 'SecretsError';
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function isSecretPath(path: string): path is SecretPath {
  return (SECRET_PATHS as readonly string[]).includes(path);
}

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The key next to the config file, created (0600) on first use. */
  static forConfig(configFile: string, { create }: { create: boolean }): SecretBox | null {
    const path = join(dirname(configFile), KEY_FILE);
    let key: Buffer;
    try {
      const mode = statSync(path).mode;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0)
        throw new SecretsError(`${path} is readable by other users: run chmod 600 ${path}`);
      key = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (!create) return null;
      mkdirSync(dirname(path), { recursive: true });
      key = randomBytes(32);
      writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    if (key.length !== 32) throw new SecretsError(`${path} is not a secret key (expected 32 bytes)`);
    return new SecretBox(key);
  }

  encrypt(path: SecretPath, plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(path));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  decrypt(path: SecretPath, stored: string): string {
    if (!isEncrypted(stored)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(path));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsError(`${path} cannot be decrypted with this kiosk's secret.key (set it again)`);
    }
  }
}

/** Reads a dotted path in a plain object. */
export function getPath(object: unknown, path: string): unknown {
  let at: unknown = object;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Sets a dotted path in a plain object, creating objects on the way. */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = object;
  for (const key of keys.slice(0, -1)) {
    if (['__proto__', 'constructor', 'prototype'].includes(key)) throw new SecretsError(`bad key: ${key}`);
    const next = at[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (['__proto__', 'constructor', 'prototype'].includes(last)) throw new SecretsError(`bad key: ${last}`);
  at[last] = value;
}

/** A secret as it may be shown: whether it is set, never its value. */
export function maskedSecret(value: unknown): string {
  return typeof value === 'string' && value.length > 0 ? '•••••• (set)' : '(not set)';
}
