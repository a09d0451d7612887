/**
 * The Electron shell: one locked-down window and nothing else. All capability lives in the core
 * (boot.ts); this file boots it, shows the renderer from the kiosk:// scheme, and bridges the
 * window to the core over IPC. Browser mode (start.ts) is the same core behind a WebSocket.
 */
import { app, BrowserWindow, dialog, Menu, protocol, session as electronSession } from 'electron';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { screenSettings } from '../serve/screen-settings.js';
import { loadConfig, NotSetUpError, type KioskConfig } from '../../config/config.js';
import { createLogger, type Logger } from '../../base/log.js';
import { contentType, rendererFile, securityHeaders } from '../serve/renderer-files.js';
import { bridgeWindowToCore } from './ipc-bridge.js';
import { CrashLoopBreaker, isBlockedShortcut } from './window-guards.js';
import { messageOf } from '../../base/errors.js';

const SCHEME = 'kiosk';
const ORIGIN = `${SCHEME}://app`;
const here = fileURLToPath(new URL('.', import.meta.url));

// Electron's screen talks to the core over IPC: its pages may open no connection at all.
const SECURITY_HEADERS = securityHeaders('electron');

// `betalingsautomat --cli doctor`: the installed kiosk's command line runs on the app's own
// binary (as VS Code's `code` does), so the kiosk needs no system Node and the RunAsNode fuse
// stays off (electron-builder.yml). Everything after --cli is the command; no window opens.
const cli = process.argv.indexOf('--cli');
if (cli >= 0) {
  void import('../../app/kiosk-command.js')
    .then(({ runCli }) => runCli(process.argv.slice(cli + 1), { installed: app.isPackaged }))
    .then(
      (code) => app.exit(code),
      (error: unknown) => {
        process.stderr.write(`kiosk: ${messageOf(error)}\n`);
        app.exit(1);
      },
    );
} else {
  // A standard, secure scheme of our own instead of file://: the page gets a real origin, the CSP
  // header applies, and no other file on the disk can be reached from it.
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true } }]);
  if (!app.requestSingleInstanceLock()) {
    // One kiosk process per machine: the core is the database's only writer.
    app.quit();
  } else {
    void app.whenReady().then(start);
  }
}

async function start(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let kiosk: Kiosk;
  try {
    // Installed, a kiosk with no config (or no mode in it) is not set up: it never runs a demo
    // with sandboxes on real devices.
    config = loadConfig({ installed: app.isPackaged });
    kiosk = await bootKiosk(config, { packaged: app.isPackaged });
  } catch (error) {
    // Not set up, a wrong configuration or a damaged journal: say so on the screen and stop;
    // never run half a kiosk. The message names the command that sets it up or what is wrong.
    const title =
      error instanceof NotSetUpError ? 'Betalingsautomaten er ikke sat op' : 'Betalingsautomaten kan ikke starte';
    dialog.showErrorBox(title, messageOf(error));
    app.exit(3);
    return;
  }
  const log = createLogger({ level: config.log.level, name: 'shell' });
  const rendererDir = join(app.getAppPath(), 'renderer', 'dist');

  // No application menu: its accelerators (reload, zoom, devtools) would bypass the key guard.
  Menu.setApplicationMenu(null);
  protocol.handle(SCHEME, async (request) => {
    let file: string | null;
    try {
      const url = new URL(request.url);
      file = url.host === 'app' ? rendererFile(rendererDir, url.pathname) : null;
    } catch {
      return new Response('bad request', { status: 400, headers: SECURITY_HEADERS });
    }
    if (!file) return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(await readFile(file), {
      headers: { ...SECURITY_HEADERS, 'content-type': contentType(file) },
    });
  });
  // The kiosk needs no camera, microphone, notifications, geolocation or anything else.
  electronSession.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  electronSession.defaultSession.setPermissionCheckHandler(() => false);

  const window = createKioskWindow(config, log);
  const disconnect = bridgeWindowToCore(window, {
    screen: { session: kiosk.session, staff: kiosk.staffConsole },
    version: app.getVersion(),
    settings: screenSettings(config),
    origin: ORIGIN,
    log,
  });
  void window.loadURL(`${ORIGIN}/index.html`);

  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    disconnect();
    void kiosk.stop().finally(() => app.exit(0));
  };
  // The technician's restart: the core stops cleanly, then Electron starts the app again.
  kiosk.staffConsole.onRestart(() => {
    if (stopping) return;
    stopping = true;
    disconnect();
    void kiosk.stop().finally(() => {
      app.relaunch();
      app.exit(0);
    });
  });
  app.on('window-all-closed', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function createKioskWindow(config: KioskConfig, log: Logger): BrowserWindow {
  const production = config.mode === 'production';
  const window = new BrowserWindow({
    width: 1080,
    height: 1920,
    kiosk: production,
    fullscreen: production,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      devTools: !production,
    },
  });
  const contents = window.webContents;

  // Nowhere to go: no new windows, no navigation, no <webview>, no zoom.
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  void contents.setVisualZoomLevelLimits(1, 1);
  contents.on('zoom-changed', () => contents.setZoomFactor(1));
  contents.on('before-input-event', (event, input) => {
    if (isBlockedShortcut(input)) event.preventDefault();
  });

  // A crashed screen is reloaded; one that keeps crashing is replaced by the out-of-order page.
  const breaker = new CrashLoopBreaker({ maxCrashes: 3, windowMs: 60_000 });
  contents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit') return;
    const decision = breaker.recordCrash();
    log.error({ reason: details.reason, exitCode: details.exitCode, decision }, 'kiosk screen crashed');
    if (decision === 'reload') void window.loadURL(`${ORIGIN}/index.html`);
    else void window.loadURL(`${ORIGIN}/out-of-order.html`);
  });
  // A screen that hangs (an endless loop) is crashed on purpose after 10 s, which reloads it.
  let hang: NodeJS.Timeout | undefined;
  contents.on('unresponsive', () => {
    log.warn('kiosk screen unresponsive');
    hang = setTimeout(() => contents.forcefullyCrashRenderer(), 10_000);
  });
  contents.on('responsive', () => clearTimeout(hang));
  return window;
}
