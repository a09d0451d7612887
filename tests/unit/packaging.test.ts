import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// electron-builder's own config loader and schema validator (from its app-builder-lib): the
// packaging itself cannot run here (it downloads Electron), so the file is checked the way
// `npm run dist` would read it.
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('electron-builder.yml', () => {
  it('is valid for electron-builder and builds what a kiosk needs', async () => {
    const config = await getConfig(root, 'electron-builder.yml', null);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();

    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.nsis).toMatchObject({ perMachine: true, oneClick: false });
    // Native modules rebuilt for Electron and loadable from outside the asar.
    expect(config.npmRebuild).toBe(true);
    for (const module of ['better-sqlite3', '@serialport/bindings-cpp', 'node-hid'])
      expect(config.asarUnpack).toContain(`node_modules/${module}/**/*`);
    expect(config.deb?.depends).toContain('libusb-1.0-0');
    const files = (config.files as ({ filter?: string[] } | string)[]).flatMap((f) =>
      typeof f === 'string' ? [f] : (f.filter ?? []),
    );
    expect(files).toEqual(expect.arrayContaining(['dist/**/*', 'renderer/dist/**/*', 'package.json']));
  });

  it('the schema check does refuse a broken configuration', async () => {
    const config = await getConfig(root, 'electron-builder.yml', null);
    await expect(
      validateConfiguration({ ...config, nsis: { perMachine: 'yes' } } as never, new DebugLogger(false)),
    ).rejects.toThrow(/perMachine/u);
  });

  it('points Electron at the compiled shell, next to its CommonJS preload', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/shells/electron/main.js');
    const build = readFileSync(`${root}/tsconfig.build.json`, 'utf8');
    expect(build).toMatch(/"outDir": "dist"/u);
    expect(build).toMatch(/"include": \[[^\]]*"shells"/u);
    const shell = readFileSync(`${root}/shells/electron/main.ts`, 'utf8');
    expect(shell).toContain("join(here, 'preload.cjs')");
  });
});
