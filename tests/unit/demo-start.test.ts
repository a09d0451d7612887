import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { keptCertificateAuthority } from '../../base/sandbox-pki.js';
import { rendererFingerprint } from '../../shells/renderer-build.js';

/** What makes a demo start fast: throwaway keys kept between starts, the screen rebuilt only when it changed. */
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-demo-start-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('kept sandbox certificate authority', () => {
  it('gives the same authority and certificates on the next start', () => {
    const dir = tempDir();
    const first = keptCertificateAuthority('Kiosk demo CA', dir);
    const leaf = first.issue({ commonName: 'localhost', serverNames: ['127.0.0.1'] });
    const again = keptCertificateAuthority('Kiosk demo CA', dir);
    expect(again.certPem).toBe(first.certPem);
    expect(again.issue({ commonName: 'localhost', serverNames: ['127.0.0.1'] })).toEqual(leaf);
    // A different certificate is a different key, signed by the kept authority.
    const client = again.issue({ commonName: 'kiosk' });
    expect(client.certPem).not.toBe(leaf.certPem);
    expect(new X509Certificate(client.certPem).verify(new X509Certificate(first.certPem).publicKey)).toBe(true);
  });

  it('never keeps certificates with a window of their own (tests of expired certificates)', () => {
    const dir = tempDir();
    const ca = keptCertificateAuthority('Kiosk demo CA', dir);
    const window = { commonName: 'old', notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') };
    expect(ca.issue(window).certPem).not.toBe(ca.issue(window).certPem);
  });

  it('makes a new authority when the kept one is unreadable or about to expire', () => {
    const dir = tempDir();
    const first = keptCertificateAuthority('Kiosk demo CA', dir);
    writeFileSync(join(dir, 'kiosk-demo-ca.json'), '{ not json');
    const afterDamage = keptCertificateAuthority('Kiosk demo CA', dir);
    expect(afterDamage.certPem).not.toBe(first.certPem);

    // An authority that expires within the month is replaced.
    const expiring = keptCertificateAuthority('Other CA', tempDir()).issue({
      commonName: 'soon',
      notAfter: new Date(Date.now() + 24 * 3600 * 1000),
    });
    writeFileSync(join(dir, 'kiosk-demo-ca.json'), JSON.stringify({ ca: expiring, issued: {} }));
    expect(keptCertificateAuthority('Kiosk demo CA', dir).certPem).not.toBe(expiring.certPem);
    const stored = JSON.parse(readFileSync(join(dir, 'kiosk-demo-ca.json'), 'utf8')) as { ca: { certPem: string } };
    expect(stored.ca.certPem).not.toBe(expiring.certPem);
  });
});

describe('renderer fingerprint', () => {
  it('changes when a screen source or the shared contract changes, and only then', () => {
    const root = tempDir();
    mkdirSync(join(root, 'renderer/src'), { recursive: true });
    mkdirSync(join(root, 'contract'), { recursive: true });
    writeFileSync(join(root, 'renderer/index.html'), '<div id="root"></div>');
    writeFileSync(join(root, 'renderer/src/App.tsx'), 'export const App = 1;');
    writeFileSync(join(root, 'contract/money.ts'), 'export const ore = 1;');
    const before = rendererFingerprint(root);
    expect(rendererFingerprint(root)).toBe(before);
    writeFileSync(join(root, 'renderer/src/App.tsx'), 'export const App = 2;');
    const afterScreen = rendererFingerprint(root);
    expect(afterScreen).not.toBe(before);
    writeFileSync(join(root, 'contract/money.ts'), 'export const ore = 2;');
    expect(rendererFingerprint(root)).not.toBe(afterScreen);
    // A copy of the same sources elsewhere has the same fingerprint (paths are relative).
    const copy = tempDir();
    cpSync(root, copy, { recursive: true });
    expect(rendererFingerprint(copy)).toBe(rendererFingerprint(root));
  });
});
