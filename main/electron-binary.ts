import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary =
  | { readonly found: true; readonly path: string }
  | { readonly found: false; readonly reason: string };

/**
 * Finds the Electron executable without requiring the `electron` package: its index.js tries
 * to download the binary when it is missing, which hangs or fails on a machine offline.
 */
export function findElectronBinary(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const packageDir = join(projectRoot, 'node_modules', 'electron');
  if (!existsSync(join(packageDir, 'package.json')))
    return { found: false, reason: 'the electron package is not installed' };
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist');
  if (!relative) return { found: false, reason: `the Electron binary was never downloaded (no ${pathFile})` };
  const path = join(distDir, relative);
  return existsSync(path)
    ? { found: true, path }
    : { found: false, reason: `the Electron binary is missing (${path})` };
}
