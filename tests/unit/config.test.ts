import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, contrastWithWhite, loadConfig, NotSetUpError, parseConfig } from '../../config/config.js';
import { loadBrand } from '../../app/brand.js';
import { tempDir } from '../support/fixtures.js';

const dirs: { remove(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}

describe('config', () => {
  it('runs the demo with no file at all', () => {
    const path = join(dir(), 'absent.json');
    const config = loadConfig({ env: { KIOSK_CONFIG: path, KIOSK_DATA_DIR: '/tmp/x' } });
    expect(config.mode).toBe('demo');
    expect(config.ui.language).toBe('da');
    expect(config.outbox.leaseMs).toBeGreaterThan(config.outbox.callTimeoutMs);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.source).toContain('not found');
  });

  it('an installed kiosk with no file, or a file that names no mode, is not set up: never a demo', () => {
    const folder = dir();
    const path = join(folder, 'config.json');
    const env = { KIOSK_CONFIG: path, KIOSK_DATA_DIR: '/tmp/x' };
    expect(() => loadConfig({ env, installed: true })).toThrow(NotSetUpError);
    expect(() => loadConfig({ env, installed: true })).toThrow(/not set up yet: there is no .*kiosk setup --id/u);
    writeFileSync(path, JSON.stringify({ ui: { language: 'en' } }));
    expect(() => loadConfig({ env, installed: true })).toThrow(/does not name a mode/u);
    // Named, a demo is the technician's choice (a training kiosk); so is production.
    writeFileSync(path, JSON.stringify({ mode: 'demo' }));
    expect(loadConfig({ env, installed: true }).mode).toBe('demo');
  });

  it('reads the file named by KIOSK_CONFIG and fills in what it leaves out', () => {
    const path = join(dir(), 'config.json');
    writeFileSync(path, JSON.stringify({ ui: { language: 'en' }, outbox: { concurrency: 8 } }));
    const config = loadConfig({ env: { KIOSK_CONFIG: path } });
    expect(config.ui.language).toBe('en');
    expect(config.outbox.concurrency).toBe(8);
    expect(config.outbox.callTimeoutMs).toBe(30_000);
    expect(config.source).toBe(path);
  });

  it('names the key and the problem', () => {
    expect(() => parseConfig({ outbox: { concurrency: 'four' } })).toThrow(/outbox\.concurrency: .*number/);
    expect(() => parseConfig({ mode: 'live' })).toThrow(/mode: /);
    expect(() => parseConfig({ outbox: { concurrensy: 2 } })).toThrow(/outbox: .*concurrensy/);
    expect(() => parseConfig({ outbox: { leaseMs: 1000, callTimeoutMs: 5000 } })).toThrow(
      /outbox\.leaseMs: leaseMs must be longer/,
    );
    expect(() => parseConfig({ browserMode: { host: '0.0.0.0' } })).toThrow(/browserMode\.host/);
    expect(() => parseConfig({ fbs: { agencyId: '761500' } })).toThrow(/fbs\.agencyId: an ISIL/);
    expect(() => parseConfig({ fbs: { baseUrl: 'ftp://fbs' } })).toThrow(/fbs\.baseUrl/);
  });

  it('demands real FBS access in production mode, and not in the demo', () => {
    expect(parseConfig({}).fbs.baseUrl).toBe('');
    const error = (() => {
      try {
        parseConfig({ mode: 'production' });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain('fbs.baseUrl: required in production mode');
    expect(error).toContain('fbs.password: required in production mode');
    expect(error).toContain('oeir.environment: the ØiR sandbox cannot be used in production mode');
    expect(error).toContain('terminal.driver: the terminal simulator cannot be used in production mode');
    expect(error).toContain('printer.type: the printer simulator cannot be used in production mode');
    const production = {
      mode: 'production',
      fbs: { baseUrl: 'https://cicero-fbs.com/rest', username: 'u', password: 'p' },
      oeir: { environment: 'prod', certificatePath: '/etc/kiosk/foces.p12', municipalityCvr: '29189846' },
      terminal: {
        driver: 'nexo',
        url: 'https://192.168.1.40:8443/nexo',
        poiId: 'V400m-324688179',
        keyIdentifier: 'Kiosk1',
        passphrase: 'secret',
      },
      printer: { type: 'tcp', host: '192.168.1.41' },
    };
    expect(parseConfig(production).mode).toBe('production');
    // Unencrypted is for lab terminals only.
    expect(() => parseConfig({ ...production, terminal: { ...production.terminal, passphrase: '' } })).toThrow(
      /terminal\.passphrase: required in production mode/,
    );
  });

  it('scanners and printer: sources need an address, suffixes and time zones are checked', () => {
    expect(() => parseConfig({ scanner: { serial: [{ baudRate: 9600 }] } })).toThrow(
      /scanner\.serial\.0\.path: give a path or a vendorId/,
    );
    expect(() => parseConfig({ scanner: { serial: [{ path: '/dev/ttyACM0', suffix: { custom: '' } }] } })).toThrow(
      /scanner\.serial\.0\.suffix/,
    );
    expect(parseConfig({ scanner: { serial: [{ vendorId: '0c2e' }] } }).scanner.serial[0]).toMatchObject({
      suffix: 'CR',
      baudRate: 9600,
    });
    expect(() => parseConfig({ library: { timeZone: 'Europe/Atlantis' } })).toThrow(
      /library\.timeZone: not a time zone/,
    );
    expect(() => parseConfig({ printer: { type: 'tcp' } })).toThrow(/printer\.host: required for a network printer/);
    expect(() => parseConfig({ printer: { type: 'usb' } })).toThrow(/printer\.path: required for a usb printer/);
  });

  it('refuses a terminal timeout that would give up before the terminal does', () => {
    expect(() => parseConfig({ terminal: { terminalTimeoutMs: 120_000, clientTimeoutMs: 120_000 } })).toThrow(
      /terminal\.clientTimeoutMs: .*never give up before the terminal/,
    );
    expect(parseConfig({}).terminal).toMatchObject({ terminalTimeoutMs: 120_000, clientTimeoutMs: 135_000 });
  });

  it('demands what the chosen ØiR security model needs', () => {
    expect(() => parseConfig({ oeir: { environment: 'exttest' } })).toThrow(
      /oeir\.certificatePath: required for ØiR exttest[\s\S]*oeir\.municipalityCvr: required with the authority context/,
    );
    expect(() =>
      parseConfig({ oeir: { environment: 'exttest', certificatePath: 'x.p12', context: 'invocation' } }),
    ).toThrow(/oeir\.invocation\.serviceUuid: required/);
    expect(() => parseConfig({ oeir: { municipalityCvr: '1234' } })).toThrow(
      /oeir\.municipalityCvr: a CVR number has 8 digits/,
    );
    expect(() => parseConfig({ oeir: { endpoint: 'http://plain.example' } })).toThrow(/oeir\.endpoint/);
  });

  it('reports broken JSON with the file name', () => {
    const path = join(dir(), 'config.json');
    writeFileSync(path, '{"mode": "demo",');
    expect(() => loadConfig({ env: { KIOSK_CONFIG: path } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { KIOSK_CONFIG: path } })).toThrow(new RegExp(`${path} is not valid JSON`));
  });
});

describe("the library's own look", () => {
  it('refuses an accent colour that white text cannot be read on (under 4.5:1), naming the rule', () => {
    expect(contrastWithWhite('#0b5c8a')).toBeCloseTo(7.21, 2);
    expect(contrastWithWhite('#767676')).toBeCloseTo(4.54, 2); // the lightest grey that passes
    expect(() => parseConfig({ library: { accentColour: '#6b1d4f' } })).not.toThrow();
    expect(() => parseConfig({ library: { accentColour: '#777777' } })).toThrow(/contrast of at least 4\.5:1/u);
    expect(() => parseConfig({ library: { accentColour: '#ffcc00' } })).toThrow(/too light/u);
    expect(() => parseConfig({ library: { accentColour: 'red' } })).toThrow(/#rrggbb/u);
  });

  it('reads the logo once at start: a missing, foreign or too large file stops the start with its name', () => {
    const dir = tempDir();
    try {
      const svg = join(dir.path, 'logo.svg');
      writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
      const brand = loadBrand(parseConfig({ library: { name: 'Vejle Bibliotekerne', logoFile: svg } }));
      expect(brand).toEqual({
        name: 'Vejle Bibliotekerne',
        accent: '#0b5c8a',
        logo: `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}`,
      });
      expect(loadBrand(parseConfig({})).logo).toBeNull();
      expect(() => loadBrand(parseConfig({ library: { logoFile: join(dir.path, 'nope.png') } }))).toThrow(
        /nope\.png cannot be read/u,
      );
      const gif = join(dir.path, 'logo.gif');
      writeFileSync(gif, 'GIF89a');
      expect(() => loadBrand(parseConfig({ library: { logoFile: gif } }))).toThrow(/not a PNG, JPEG or SVG/u);
      const big = join(dir.path, 'big.png');
      writeFileSync(big, Buffer.alloc(300_001));
      expect(() => loadBrand(parseConfig({ library: { logoFile: big } }))).toThrow(/at most 300000 bytes/u);
    } finally {
      dir.remove();
    }
  });
});
