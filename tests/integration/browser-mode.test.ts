import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserModeServer, type BrowserModeServer } from '../../shells/browser/browser-server.js';
import { findElectronBinary, nativeModulesLoadIn } from '../../shells/electron-binary.js';
import { tempDir } from '../support/fixtures.js';

const dir = tempDir();
let server: BrowserModeServer;
beforeAll(async () => {
  const rendererDir = join(dir.path, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<h1>kiosk</h1>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir.path, 'secret.txt'), 'not for the browser');
  server = await startBrowserModeServer({ rendererDir, port: 0 });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

describe('browser-mode server', () => {
  it('listens on loopback only and serves the renderer with a strict CSP', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<h1>kiosk</h1>');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const js = await fetch(`${server.url}assets/app.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('never serves files outside the renderer folder', async () => {
    for (const path of ['../secret.txt', '..%2Fsecret.txt', '%2e%2e/secret.txt', 'assets/../../secret.txt']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('not for the browser');
    }
  });

  it('answers malformed requests without falling over', async () => {
    expect((await fetch(`${server.url}%E0%A4%A`)).status).toBe(400);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(server.url)).status).toBe(200);
  });
});

describe('Electron binary detection', () => {
  it('reports a missing binary without requiring the electron package (which would download it)', () => {
    const root = tempDir();
    try {
      expect(findElectronBinary(root.path)).toEqual({ found: false, reason: 'the electron package is not installed' });
      const pkg = join(root.path, 'node_modules', 'electron');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(join(pkg, 'package.json'), '{}');
      expect(findElectronBinary(root.path)).toMatchObject({
        found: false,
        reason: expect.stringContaining('never downloaded'),
      });
      writeFileSync(join(pkg, 'path.txt'), 'electron');
      expect(findElectronBinary(root.path)).toMatchObject({ found: false, reason: expect.stringContaining('missing') });
      mkdirSync(join(pkg, 'dist'));
      writeFileSync(join(pkg, 'dist', 'electron'), '');
      expect(findElectronBinary(root.path)).toEqual({ found: true, path: join(pkg, 'dist', 'electron') });
    } finally {
      root.remove();
    }
  });

  // A stand-in for the Electron executable: a script run the way start.ts runs Electron (as
  // Node, with -e). One loads our better-sqlite3 with this Node; one prints Electron's real
  // ABI-mismatch message.
  it('probes whether better-sqlite3 loads in that Electron, and says how to fix a wrong ABI', () => {
    const root = tempDir();
    try {
      const loads = join(root.path, 'electron-ok');
      writeFileSync(loads, `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
      chmodSync(loads, 0o755);
      expect(nativeModulesLoadIn(loads, process.cwd())).toEqual({ ok: true });

      const mismatched = join(root.path, 'electron-abi');
      writeFileSync(
        mismatched,
        '#!/bin/sh\necho "Error: The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 140." >&2\nexit 1\n',
      );
      chmodSync(mismatched, 0o755);
      const result = nativeModulesLoadIn(mismatched, process.cwd());
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/ABI 115 but Electron needs 140.*install-app-deps/u);

      expect(nativeModulesLoadIn(join(root.path, 'absent'), process.cwd())).toMatchObject({ ok: false });
    } finally {
      root.remove();
    }
  });
});
