import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserModeServer, type BrowserModeServer } from '../../main/browser-server.js';
import { findElectronBinary } from '../../main/electron-binary.js';
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
});
