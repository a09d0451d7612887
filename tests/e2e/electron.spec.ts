import { _electron as electron, expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary, nativeModulesLoadIn } from '../../shells/electron-binary.js';
import { keypad, wedgeScan } from './kiosk-fixture.js';

/**
 * The real Electron shell, driven by Playwright's _electron. Machines without the Electron
 * binary (it is downloaded on first run, which offline machines cannot do), or whose native
 * modules are built for Node rather than Electron, report this spec as skipped with the reason;
 * the same renderer and core are covered in browser mode by the other specs.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = findElectronBinary(root);
const native = binary.found ? nativeModulesLoadIn(binary.path, root) : null;
const skipReason = !binary.found
  ? `Electron binary not available: ${binary.reason}`
  : native && !native.ok
    ? `Electron cannot load the native modules: ${native.reason}`
    : null;

test.describe('Electron shell', () => {
  test.skip(skipReason !== null, skipReason ?? '');

  test('a locked-down kiosk window whose page reaches the core only through window.kiosk', async () => {
    test.setTimeout(300_000);
    if (!binary.found) throw new Error('unreachable: skipped above');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
    expect(build.status).toBe(0);

    const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-electron-'));
    const app = await electron.launch({
      executablePath: binary.path,
      args: [root],
      env: { ...process.env, KIOSK_DATA_DIR: dataDir, KIOSK_CONFIG: join(dataDir, 'absent.json') },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.locator('.kiosk[data-screen="attract"][data-connected="true"]')).toBeVisible();
      expect(page.url()).toBe('kiosk://app/index.html');

      // The page has no Node and no ipcRenderer: only window.kiosk's two functions.
      expect(
        await page.evaluate(() => ({
          require: typeof (globalThis as { require?: unknown }).require,
          process: typeof (globalThis as { process?: unknown }).process,
          kiosk: Object.keys((globalThis as unknown as { kiosk: object }).kiosk).sort(),
        })),
      ).toEqual({ require: 'undefined', process: 'undefined', kiosk: ['onEvent', 'send'] });

      // A malformed command is refused by the core with an event, and nothing changes.
      const rejected = await page.evaluate(
        () =>
          new Promise<unknown>((resolve) => {
            const kiosk = (
              globalThis as unknown as {
                kiosk: { send(c: unknown): void; onEvent(l: (e: { type: string }) => void): () => void };
              }
            ).kiosk;
            const off = kiosk.onEvent((event) => {
              if (event.type === 'command.rejected') {
                off();
                resolve(event);
              }
            });
            kiosk.send({ type: 'checkout.pay', amountOre: 1 });
          }),
      );
      expect(rejected).toMatchObject({ type: 'command.rejected' });
      await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();

      // No navigation away and no new windows.
      await page.evaluate(() => {
        const w = globalThis as unknown as { location: { href: string }; open(url: string): unknown };
        w.location.href = 'https://example.org/';
        w.open('https://example.org/');
      });
      await page.waitForTimeout(500);
      expect(page.url()).toBe('kiosk://app/index.html');
      expect(app.windows()).toHaveLength(1);

      // And the borrower's flow works over IPC as it does over the socket.
      await wedgeScan(page, '1000000002');
      await keypad(page, '2222', /^OK$/);
      await expect(page.getByRole('heading', { name: 'Det skylder du' })).toBeVisible();
      await page.screenshot({ path: 'test-results/screens/electron-claims.png' });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
