/**
 * The Electron shell: a window and nothing else. All capability lives in the core (main/core.ts);
 * this file only creates it, shows the renderer, and locks the window down.
 * The preload bridge (window.kiosk) arrives with the touchscreen UI.
 */
import { app, BrowserWindow, dialog } from 'electron';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { bootKiosk } from '../boot.js';

if (!app.requestSingleInstanceLock()) {
  // One kiosk process per machine: the core is the database's only writer.
  app.quit();
} else {
  void app.whenReady().then(async () => {
    let config;
    let kiosk;
    try {
      config = loadConfig();
      kiosk = await bootKiosk(config, { packaged: app.isPackaged });
    } catch (error) {
      // A wrong configuration or a damaged journal: say so on the screen and stop; never run
      // half a kiosk.
      dialog.showErrorBox('Betalingsautomaten kan ikke starte', (error as Error).message);
      app.exit(3);
      return;
    }

    const window = new BrowserWindow({
      width: 1080,
      height: 1920,
      kiosk: config.mode === 'production',
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true },
    });
    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    window.webContents.on('will-navigate', (event) => event.preventDefault());
    void window.loadFile(join(app.getAppPath(), 'renderer', 'dist', 'index.html'));

    const running = kiosk;
    app.on('window-all-closed', () => {
      void running.stop().finally(() => app.quit());
    });
  });
}
