/**
 * `npm start`: the kiosk in Electron when its binary is present; otherwise browser mode (the
 * same core, the UI served on 127.0.0.1 for any browser), with a message that says why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRestartableBrowserMode } from './browser/restartable.js';
import { screenSettings } from './serve/screen-settings.js';
import { createLogger } from '../base/log.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { DatabaseUnusableError } from '../db/open.js';
import { bootKiosk } from '../app/boot.js';
import { formatDkk } from '../contract/index.js';
import { findElectronBinary, nativeModulesLoadIn } from './electron-binary.js';

/** The project folder: the nearest folder above this file with a package.json (from source, or from dist/). */
function projectRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const root = projectRoot();
const fromSource = import.meta.url.endsWith('.ts');

function loadConfigOrExit(): ReturnType<typeof loadConfig> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

const config = loadConfigOrExit();

// From a source checkout (`npm start`), the screen is rebuilt only when its sources changed.
if (fromSource) {
  const { ensureRendererBuilt } = await import('./renderer-build.js');
  if ((await ensureRendererBuilt(root)) === 'built') console.log('The kiosk screen was rebuilt (its sources changed).');
}

/** Electron's executable, or why the kiosk runs in browser mode instead. */
function electronOrReason(): { readonly path: string } | { readonly reason: string } | null {
  if (process.env.KIOSK_BROWSER_MODE === '1') return null;
  const electron = findElectronBinary(root);
  if (!electron.found) return { reason: `Electron is not available here: ${electron.reason}.` };
  const native = nativeModulesLoadIn(electron.path, root);
  if (!native.ok) return { reason: `Electron cannot run the kiosk yet: ${native.reason}.` };
  return { path: electron.path };
}
const electron = electronOrReason();

if (electron && 'path' in electron) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const child = spawn(electron.path, [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (electron) {
    console.warn(electron.reason);
    console.warn('Starting in browser mode instead: the same core, with the kiosk screen served to your browser.');
  }
  const bootOrExit = async (loaded: ReturnType<typeof loadConfig>): Promise<Awaited<ReturnType<typeof bootKiosk>>> =>
    bootKiosk(loaded, { packaged: false }).catch((error: unknown) => {
      if (error instanceof DatabaseUnusableError) {
        console.error(`The kiosk cannot start: ${error.message}`);
        process.exit(3);
      }
      throw error;
    });
  const kiosk = await bootOrExit(config);
  // A technician's restart boots again from the saved configuration, on the same port.
  let first = true;
  const server = await startRestartableBrowserMode(
    async () => {
      if (first) {
        first = false;
        return { kiosk, settings: screenSettings(config) };
      }
      const reloaded = loadConfigOrExit();
      return { kiosk: await bootOrExit(reloaded), settings: screenSettings(reloaded) };
    },
    {
      rendererDir: join(root, 'renderer', 'dist'),
      port: config.browserMode.port,
      version: process.env.npm_package_version ?? 'dev',
      log: createLogger({ level: config.log.level }),
      onBootFailure: (error) => {
        console.error(`The kiosk could not start again: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(2);
      },
    },
  );
  server.onRestarted(() => console.log('The kiosk was restarted from the technician screen.'));
  console.log(`\nKiosk (${config.mode} mode) is running. Open ${server.url} in a browser.`);
  console.log(`Config: ${config.source}. Data: ${config.dataDir}.`);
  if (kiosk.sandboxes.fbs) console.log(`Demo FBS sandbox: ${kiosk.sandboxes.fbs.url} (demo cards: docs/demo.md).`);
  if (kiosk.sandboxes.oeir) console.log(`Demo ØiR sandbox (mutual TLS): ${kiosk.sandboxes.oeir}`);
  if (kiosk.sandboxes.printer) console.log(`Demo receipt printer (ESC/POS over TCP): ${kiosk.sandboxes.printer}`);
  if (kiosk.sandboxes.terminal)
    console.log(
      `Demo card terminal (simulator, nexo over HTTPS): ${kiosk.sandboxes.terminal} (amount rules: docs/demo.md).`,
    );
  if (kiosk.sandboxes.mobilepay)
    console.log(
      `Demo MobilePay (ePayment API sandbox): ${kiosk.sandboxes.mobilepay.url}; on the QR screen, "Demo: godkend i appen" plays the borrower's phone.`,
    );
  // Demo: show each registration as the sandboxes receive it.
  kiosk.sandboxes.fbs?.onRegistered((e) =>
    console.log(`FBS sandbox: fee ${e.feeId} registered as paid (${e.amount} kr., ${e.confirmationId}).`),
  );
  kiosk.oeir.sandbox?.onRegistered((e) =>
    console.log(
      `ØiR sandbox: payment ${e.paymentId} registered (${formatDkk(e.amountOre)}, fees ${e.feeIds.join(', ')}, ${e.receiptId}).`,
    ),
  );
  for (const problem of kiosk.oeir.problems) console.warn(`ØiR: ${problem}`);
  for (const problem of kiosk.terminal.problems) console.warn(`Terminal: ${problem}`);
  if (kiosk.report.inDoubt.length > 0) {
    console.warn(`${kiosk.report.inDoubt.length} payment(s) in doubt: asking the terminal what became of them.`);
    void kiosk.core.recovered.then((payments) => {
      for (const p of payments) console.warn(`Payment ${p.id}: ${p.state}.`);
    });
  }
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
