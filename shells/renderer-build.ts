import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * `npm start` from a source checkout: the screen is built only when what it is built from has
 * changed since the last build (a fingerprint of the files is kept beside the build). Building
 * takes seconds; checking takes milliseconds. An installed kiosk ships its build and never
 * gets here.
 */
const INPUTS = ['renderer/index.html', 'renderer/vite.config.ts', 'renderer/src', 'renderer/public', 'contract'];
const FINGERPRINT = 'renderer/dist/.built-from';

export function rendererFingerprint(root: string): string {
  const hash = createHash('sha256');
  const add = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of [...INPUTS, 'package-lock.json']) add(join(root, input));
  return hash.digest('hex');
}

/** Builds the screen if it is missing or out of date; says which. */
export async function ensureRendererBuilt(root: string): Promise<'up-to-date' | 'built'> {
  const fingerprint = rendererFingerprint(root);
  const file = join(root, FINGERPRINT);
  const built = existsSync(join(root, 'renderer/dist/index.html')) && existsSync(file);
  if (built && readFileSync(file, 'utf8').trim() === fingerprint) return 'up-to-date';
  // Vite is a build tool: loaded only when there is something to build.
  const { build } = await import('vite');
  await build({ configFile: join(root, 'renderer/vite.config.ts'), logLevel: 'error' });
  writeFileSync(file, `${fingerprint}\n`);
  return 'built';
}
