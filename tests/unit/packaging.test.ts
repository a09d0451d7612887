import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// electron-builder's own config loader and schema validator (from its app-builder-lib): the
// packaging itself cannot run here (it downloads Electron), so the file is checked the way
// `npm run dist` would read it.
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import { contentSecurityPolicy } from '../../shells/serve/renderer-files.js';

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

  it("sets Electron's fuses: not runnable as Node, no NODE_OPTIONS or --inspect, app only from its checked asar", async () => {
    const config = await getConfig(root, 'electron-builder.yml', null);
    // electron-builder flips these in the binary (its `electronFuses`); a missing key keeps
    // Electron's default, which for each of these is the unsafe one.
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('installs a `kiosk` launcher that runs the command line on the app binary, headless, with no system Node', async () => {
    const config = await getConfig(root, 'electron-builder.yml', null);
    expect(config.extraFiles).toEqual([{ from: 'build/kiosk', to: 'kiosk' }]);
    // Run the launcher next to a stand-in for the app binary that prints what it was given.
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-launcher-'));
    copyFileSync(join(root, 'build/kiosk'), join(dir, 'kiosk'));
    writeFileSync(join(dir, 'betalingsautomat'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(dir, 'kiosk'), 0o755);
    chmodSync(join(dir, 'betalingsautomat'), 0o755);
    const given = execFileSync(join(dir, 'kiosk'), ['config', 'get', 'a b'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    // Chromium's switches before --cli; after it, the command exactly as typed.
    expect(given.trimEnd().split('\n')).toEqual([
      '--ozone-platform=headless',
      '--disable-gpu',
      '--cli',
      'config',
      'get',
      'a b',
    ]);
    const shell = readFileSync(`${root}/shells/electron/main.ts`, 'utf8');
    expect(shell).toContain("process.argv.indexOf('--cli')");
  });

  it("names a maintained Node line, which Electron 45's own Node satisfies", () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { engines: { node: string } };
    // Node 20 reached end of life on 30 April 2026; Electron 45 bundles Node 22.20.
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/u.exec(pkg.engines.node);
    expect(floor, pkg.engines.node).not.toBeNull();
    const [major, minor] = [Number(floor![1]), Number(floor![2])];
    // Node 22 (maintained until April 2027), at a version Electron 45's Node 22.20 satisfies.
    expect(major).toBe(22);
    expect(minor).toBeLessThanOrEqual(20);
  });

  it("Electron's screen may open no connection; browser mode only its loopback socket", () => {
    expect(contentSecurityPolicy('electron')).toContain("connect-src 'none'");
    expect(contentSecurityPolicy('electron')).not.toMatch(/ws:/u);
    expect(contentSecurityPolicy('browser')).toContain("connect-src 'self' ws://127.0.0.1:*");
  });
});
