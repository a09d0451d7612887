import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { ConfigError, type KioskConfig } from '../config/config.js';

/** The library's own look on the screen: its name, logo and accent colour (config `library.*`). */
export interface Brand {
  readonly name: string;
  /** The logo as a data: URL (the screen's CSP allows images from data: only), or null. */
  readonly logo: string | null;
  readonly accent: string;
}

const LOGO_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};
const MAX_LOGO_BYTES = 300_000;

/**
 * Reads the logo once at start. A logo that is missing, too large or of another kind stops the
 * start with a message that names the file: a kiosk that silently drops its library's logo would
 * be found out by the library, not by the technician who set it up.
 */
export function loadBrand(config: KioskConfig & { readonly source?: string }): Brand {
  const { name, accentColour, logoFile } = config.library;
  if (logoFile === '') return { name, logo: null, accent: accentColour };
  // A relative path is read from the config file's folder (where `kiosk config` keeps its files).
  const base = config.source && existsSync(config.source) ? dirname(config.source) : process.cwd();
  const path = isAbsolute(logoFile) ? logoFile : resolve(base, logoFile);
  const type = LOGO_TYPES[extname(path).toLowerCase()];
  if (!type) throw new ConfigError(`library.logoFile: ${path} is not a PNG, JPEG or SVG file`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new ConfigError(`library.logoFile: ${path} cannot be read`);
  }
  if (size > MAX_LOGO_BYTES)
    throw new ConfigError(`library.logoFile: ${path} is ${size} bytes; at most ${MAX_LOGO_BYTES} bytes are shown`);
  return { name, logo: `data:${type};base64,${readFileSync(path).toString('base64')}`, accent: accentColour };
}
