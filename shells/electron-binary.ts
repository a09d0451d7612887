import { spawnSync } from 'node:child_process';
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

/**
 * Whether the native modules in node_modules load inside this Electron. better-sqlite3 is built
 * against one Node ABI: `npm ci` builds it for the system Node (tests, browser mode); Electron
 * needs it rebuilt for its own (`npx electron-builder install-app-deps`; packaging does this by
 * itself). Asked in a throwaway Electron-as-Node process, never in ours.
 */
export function nativeModulesLoadIn(
  electronPath: string,
  projectRoot: string,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const probe = spawnSync(
    electronPath,
    ['-e', "const Database = require('better-sqlite3'); new Database(':memory:').close();"],
    { cwd: projectRoot, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 30_000 },
  );
  if (probe.status === 0) return { ok: true };
  const output = `${probe.stderr ?? ''}${probe.error?.message ?? ''}`;
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/u.exec(output);
  return {
    ok: false,
    reason: abi
      ? `better-sqlite3 is built for Node ABI ${abi[1]} but Electron needs ${abi[2]}; run "npx electron-builder install-app-deps" (and "npm rebuild better-sqlite3" before running the tests again)`
      : `better-sqlite3 does not load in Electron: ${output.trim().split('\n')[0] ?? `exit ${probe.status}`}`,
  };
}
