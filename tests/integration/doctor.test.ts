import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnosticCheck } from '../../contract/index.js';
import { openDatabase } from '../../db/open.js';
import { PrinterSimulator } from '../../devices/printer/simulator.js';
import { TerminalSimulator } from '../../devices/terminal/simulator/server.js';
import { DEMO_BORROWERS, SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { DEMO_MUNICIPALITY_CVR } from '../../integrations/oeir/sandbox/server.js';
import { toPkcs12 } from '../../base/sandbox-pki.js';
import { loadConfig } from '../../config/config.js';
import { ConfigFile } from '../../config/config-file.js';
import { DATABASE_FILE } from '../../core/core.js';
import { tempDir } from '../support/fixtures.js';
import { runKioskCli } from '../support/kiosk-cli.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';
import { TEST_KEY } from '../support/terminal-fixture.js';

/**
 * `kiosk doctor` run as a technician runs it (a separate process, over the config file),
 * against healthy sandboxes and simulators, then with each part broken in turn.
 */
const dir = tempDir();
let fbs: FbsSandbox;
let oeir: OeirFixture;
let terminal: TerminalSimulator;
let printer: PrinterSimulator;
const FBS_PASSWORD = 'fbs-secret-Æ9x!';

function run(args: readonly string[], configPath: string, dataDir: string, input = '') {
  return runKioskCli(args, { KIOSK_CONFIG: configPath, KIOSK_DATA_DIR: dataDir }, input);
}

/** A kiosk installation in its own folder, configured against the running sandboxes. */
function installation(name: string, change: (file: ConfigFile, dataDir: string) => void = () => undefined) {
  const root = join(dir.path, name);
  const dataDir = join(root, 'data');
  const configPath = join(root, 'config.json');
  openDatabase(join(dataDir, DATABASE_FILE)).close();
  writeFileSync(join(root, 'org.p12'), oeir.p12);
  writeFileSync(join(root, 'oeir-ca.pem'), oeir.ca.certPem);
  writeFileSync(join(root, 'terminal-ca.pem'), terminal.caPem);
  const file = new ConfigFile(configPath);
  file.setMany({
    fbs: { baseUrl: fbs.url, agencyId: fbs.client.agencyId, username: fbs.client.username },
    oeir: {
      environment: 'exttest',
      endpoint: oeir.sandbox.url,
      certificatePath: join(root, 'org.p12'),
      caPath: join(root, 'oeir-ca.pem'),
      municipalityCvr: DEMO_MUNICIPALITY_CVR,
      timeoutMs: 2_000,
    },
    terminal: {
      driver: 'nexo',
      url: terminal.url,
      poiId: terminal.poiId,
      keyIdentifier: TEST_KEY.keyIdentifier,
      keyVersion: TEST_KEY.keyVersion,
      caPath: join(root, 'terminal-ca.pem'),
      requestTimeoutMs: 1_000,
    },
    printer: { type: 'tcp', host: '127.0.0.1', port: printer.port, timeoutMs: 1_000, statusTimeoutMs: 300 },
    diagnostics: { fbsTestCard: '1000000002' },
  });
  // Secrets the way a technician sets them: encrypted on the way to disk.
  file.set('fbs.password', FBS_PASSWORD);
  file.set('oeir.certificatePassword', oeir.password);
  file.set('terminal.passphrase', TEST_KEY.passphrase);
  change(file, dataDir);
  return { configPath, dataDir, file };
}

async function doctor(name: string, change?: (file: ConfigFile, dataDir: string) => void) {
  const { configPath, dataDir } = installation(name, change);
  const result = await run(['doctor', '--json'], configPath, dataDir);
  const checks = JSON.parse(result.stdout) as DiagnosticCheck[];
  return { code: result.code, checks, broken: checks.filter((c) => c.level === 'broken').map((c) => c.part) };
}

beforeAll(async () => {
  fbs = new FbsSandbox(DEMO_BORROWERS, { ...SANDBOX_CLIENT, password: FBS_PASSWORD });
  await fbs.start();
  oeir = await startOeirFixture();
  terminal = new TerminalSimulator({ key: TEST_KEY });
  await terminal.start();
  printer = await PrinterSimulator.start();
});
afterAll(async () => {
  await fbs.close();
  await oeir.close();
  await terminal.close();
  await printer.close();
  dir.remove();
});

describe('kiosk doctor', () => {
  it('finds every part working against healthy sandboxes, and says so in words', async () => {
    const { configPath, dataDir } = installation('healthy');
    const result = await run(['doctor'], configPath, dataDir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const part of ['config', 'database', 'disk', 'fbs', 'oeir', 'certificate', 'terminal', 'mobilepay', 'printer'])
      expect(result.stdout).toMatch(new RegExp(`^OK\\s+${part}\\b`, 'mu'));
    expect(result.stdout).toContain('logged in; test card found (patron 100002)');
    expect(result.stdout).toContain('subject: CN=Test Kommune kiosk');
    expect(result.stdout).toMatch(/All parts work\.\n$/u);
  });

  it.each([
    ['fbs', (f: ConfigFile) => f.set('fbs.password', 'not-the-password'), /client login/u],
    ['fbs', (f: ConfigFile) => f.set('diagnostics.fbsTestCard', '1999999999'), /test card was not found/u],
    ['oeir', (f: ConfigFile) => f.set('oeir.endpoint', 'https://127.0.0.1:9/oeir'), /test call failed/u],
    ['terminal', (f: ConfigFile) => f.set('terminal.url', 'https://127.0.0.1:9/nexo'), /unreachable/u],
    ['printer', (f: ConfigFile) => f.set('printer.port', 9), /unreachable|offline/u],
    ['disk', (f: ConfigFile) => f.set('diagnostics.minFreeDiskMb', 9_999_999), /below 9999999 MB/u],
    [
      'database',
      (_: ConfigFile, dataDir: string) => writeFileSync(join(dataDir, DATABASE_FILE), 'not a database'.repeat(500)),
      /cannot be opened|damaged|cannot be read/u,
    ],
  ] as const)('names %s when it is broken', async (part, change, summary) => {
    const result = await doctor(`broken-${part}-${Math.random().toString(36).slice(2)}`, change);
    expect(result.code).toBe(1);
    expect(result.broken).toEqual([part]);
    expect(result.checks.find((c) => c.part === part)?.summary).toMatch(summary);
  });

  it('names the certificate when it has expired', async () => {
    const expired = oeir.ca.issue({
      commonName: 'Test Kommune kiosk',
      serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:1`,
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const result = await doctor('broken-certificate', (file) => {
      const path = join(file.path, '..', 'expired.p12');
      writeFileSync(path, toPkcs12(expired, oeir.password, oeir.ca.certPem));
      file.set('oeir.certificatePath', path);
    });
    expect(result.code).toBe(1);
    expect(result.broken).toContain('certificate');
    expect(result.checks.find((c) => c.part === 'certificate')?.summary).toMatch(/expired/u);
  });

  it('names the configuration when the file is broken, and stops there', async () => {
    const { configPath, dataDir } = installation('broken-config');
    writeFileSync(configPath, '{ "ui": { "idleTimeoutMs": "soon" ');
    const result = await run(['doctor'], configPath, dataDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^BROKEN\s+config\s+the configuration cannot be loaded/mu);
    expect(result.stdout).toContain('is not valid JSON');
  });
});

describe('secrets', () => {
  it('are encrypted at rest, masked when shown, and never in the diagnostics bundle', async () => {
    const { configPath, dataDir, file } = installation('secrets');
    const onDisk = readFileSync(configPath, 'utf8');
    for (const secret of [FBS_PASSWORD, oeir.password, TEST_KEY.passphrase]) expect(onDisk).not.toContain(secret);
    expect(onDisk).toMatch(/"password": "enc:v1:/u);
    expect(readFileSync(join(configPath, '..', 'secret.key')).length).toBe(32);

    const shown = await run(['config', 'get', 'fbs.password'], configPath, dataDir);
    expect(shown.stdout.trim()).toBe('•••••• (set)');
    const all = await run(['config', 'get'], configPath, dataDir);
    expect(all.stdout).not.toContain(FBS_PASSWORD);
    expect(JSON.parse(all.stdout)).toMatchObject({ terminal: { passphrase: '•••••• (set)' } });

    // A secret that reached a log by some other route is still removed from the bundle.
    const logs = join(dataDir, 'logs');
    openDatabase(join(dataDir, DATABASE_FILE)).close();
    await import('node:fs').then((fs) => fs.mkdirSync(logs, { recursive: true }));
    writeFileSync(
      join(logs, 'kiosk.log'),
      `{"level":30,"msg":"third-party debug: login with ${FBS_PASSWORD} for card 0101901234"}\n`,
    );
    const bundlePath = join(dir.path, 'bundle.txt.gz');
    const exported = await run(['export-logs', '--out', bundlePath], configPath, dataDir);
    expect(exported.code).toBe(0);
    const bundle = gunzipSync(readFileSync(bundlePath)).toString('utf8');
    expect(bundle).toContain('===== doctor =====');
    expect(bundle).toContain('===== log kiosk.log =====');
    expect(bundle).toContain('third-party debug: login with [redacted] for card ******-****');
    for (const secret of [FBS_PASSWORD, oeir.password, TEST_KEY.passphrase]) expect(bundle).not.toContain(secret);
    expect(file.validate()).toEqual({ ok: true, problems: [], warnings: [] });
  });

  it('are never taken from the command line: refused as an argument, read from standard input', async () => {
    const { configPath, dataDir } = installation('secret-input');
    const before = readFileSync(configPath, 'utf8');
    const NEW_PASSWORD = 'new-fbs-secret-Ø7';
    const refused = await run(['config', 'set', 'fbs.password', NEW_PASSWORD], configPath, dataDir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('fbs.password is a secret: never give it on the command line');
    expect(refused.stderr).not.toContain(NEW_PASSWORD);
    expect(readFileSync(configPath, 'utf8')).toBe(before);

    const empty = await run(['config', 'set', 'terminal.passphrase'], configPath, dataDir, '');
    expect(empty.code).toBe(2);
    expect(readFileSync(configPath, 'utf8')).toBe(before);

    const piped = await run(['config', 'set', 'fbs.password'], configPath, dataDir, `${NEW_PASSWORD}\n`);
    expect(piped.code).toBe(0);
    const onDisk = readFileSync(configPath, 'utf8');
    expect(onDisk).not.toContain(NEW_PASSWORD);
    expect(new ConfigFile(configPath).effective()).toMatchObject({ fbs: { password: '•••••• (set)' } });
    // The kiosk reads exactly what was piped in (the line break is not part of it).
    expect(loadConfig({ env: { KIOSK_CONFIG: configPath, KIOSK_DATA_DIR: dataDir } }).fbs.password).toBe(NEW_PASSWORD);
  });

  it('config set checks the whole file first and keeps the old one when the value is wrong', async () => {
    const { configPath, dataDir } = installation('config-set');
    const before = readFileSync(configPath, 'utf8');
    const wrong = await run(['config', 'set', 'ui.idleTimeoutMs', 'soon'], configPath, dataDir);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('ui.idleTimeoutMs');
    expect(readFileSync(configPath, 'utf8')).toBe(before);
    const right = await run(['config', 'set', 'ui.idleTimeoutMs', '90000'], configPath, dataDir);
    expect(right.code).toBe(0);
    expect((await run(['config', 'get', 'ui.idleTimeoutMs'], configPath, dataDir)).stdout.trim()).toBe('90000');
    const unknown = await run(['config', 'set', 'ui.colour', 'red'], configPath, dataDir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no such setting: ui.colour');
    const plain = new ConfigFile(configPath);
    writeFileSync(
      configPath,
      JSON.stringify({ ...plain.raw(), fbs: { ...(plain.raw().fbs as object), password: 'x' } }),
    );
    expect((await run(['config', 'validate'], configPath, dataDir)).stdout).toContain(
      'warning: fbs.password is stored in plain text',
    );
  });
});
