import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { ConfigError, decryptSecrets, parseConfig, type KioskConfig } from './config.js';
import { getPath, isEncrypted, isSecretPath, maskedSecret, SecretBox, SECRET_PATHS, setPath } from './secrets.js';
import { messageOf } from '../base/errors.js';

export interface Validation {
  readonly ok: boolean;
  /** Keys that are wrong, and why: the kiosk would not start with them. */
  readonly problems: readonly string[];
  /** It would start, but a technician should look (secrets stored in plain text…). */
  readonly warnings: readonly string[];
}

/**
 * The config file as a technician edits it, from the screen or over SSH (`kiosk config`).
 * Every write is validated as a whole first and lands atomically (temporary file, fsync,
 * rename), readable by the kiosk's user only; secrets are encrypted before they touch the disk
 * and are never returned, only whether they are set.
 */
export class ConfigFile {
  constructor(readonly path: string) {}

  /** The file's content as stored (secrets encrypted); {} when there is no file yet. */
  raw(): Record<string, unknown> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ConfigError(`cannot read ${this.path}: ${messageOf(error)}`);
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('the top level must be an object');
      return parsed as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`${this.path} is not valid JSON: ${messageOf(error)}`);
    }
  }

  /** The effective configuration (defaults filled in) with every secret masked. */
  effective(): Record<string, unknown> {
    const config = parseConfig(decryptSecrets(this.raw(), this.path), this.path) as unknown as Record<string, unknown>;
    const shown = structuredClone(config);
    for (const key of SECRET_PATHS) setPath(shown, key, maskedSecret(getPath(config, key)));
    return shown;
  }

  get(key: string): unknown {
    const value = getPath(this.effective(), key);
    if (value === undefined) throw new ConfigError(`no such setting: ${key}`);
    return value;
  }

  /**
   * Sets one key. Text from the command line is taken as JSON when the setting is not a text
   * setting ("90000", "true", "[…]"); a secret is encrypted. Nothing is written unless the whole
   * configuration is valid afterwards.
   */
  set(key: string, value: unknown): void {
    const defaults = parseConfig({}) as unknown as Record<string, unknown>;
    const current = getPath(defaults, key);
    if (current === undefined && !this.knownKey(key)) throw new ConfigError(`no such setting: ${key}`);
    let typed = value;
    if (typeof value === 'string' && typeof current !== 'string') {
      try {
        typed = JSON.parse(value) as unknown;
      } catch {
        typed = value;
      }
    }
    this.setMany({ [key]: typed });
  }

  /** Sets several keys at once (the technician's settings screen), validated together. */
  setMany(values: Readonly<Record<string, unknown>>): void {
    const next = structuredClone(this.raw());
    for (const [key, value] of Object.entries(values)) {
      if (isSecretPath(key)) {
        if (typeof value !== 'string') throw new ConfigError(`${key} must be text`);
        const box = SecretBox.forConfig(this.path, { create: true })!;
        setPath(next, key, value === '' ? '' : box.encrypt(key, value));
      } else setPath(next, key, value);
    }
    this.write(next);
  }

  validate(): Validation {
    const warnings: string[] = [];
    let raw: Record<string, unknown>;
    try {
      raw = this.raw();
      parseConfig(decryptSecrets(raw, this.path), this.path);
    } catch (error) {
      return { ok: false, problems: messageOf(error).split('\n').filter(Boolean), warnings };
    }
    for (const key of SECRET_PATHS) {
      const value = getPath(raw, key);
      if (typeof value === 'string' && value !== '' && !isEncrypted(value))
        warnings.push(`${key} is stored in plain text: set it again with "kiosk config set ${key} …" to encrypt it`);
    }
    return { ok: true, problems: [], warnings };
  }

  private knownKey(key: string): boolean {
    // Arrays and optional objects have no default value to look at; let validation decide.
    return /^scanner\.serial(\.|$)/u.test(key);
  }

  private write(next: Record<string, unknown>): void {
    // Validate with the secrets decrypted, exactly as the kiosk will load it.
    parseConfig(decryptSecrets(next, this.path), this.path) satisfies KioskConfig;
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(next, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}
