import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './fixtures.js';

/**
 * xmlsec1 (Debian package `xmlsec1`, libxmlsec1 on OpenSSL): an XML-DSig implementation that
 * shares nothing with ours (xml-crypto), verifying what the kiosk and the sandboxes sign. `.ci/run`
 * installs it; a machine without it fails these tests with this message rather than skip them.
 */
export function xmlsecVerify(
  xml: string,
  options: {
    /** Verify with this certificate's public key, or… */
    readonly certPem?: string;
    /** …with the certificate in the signature's KeyInfo, trusted when issued by this authority. */
    readonly trustedCaPem?: string;
    /** Elements whose attribute is an ID: `[attribute, namespace, element]`. */
    readonly ids: readonly (readonly [string, string, string])[];
  },
): { ok: boolean; output: string } {
  const dir = tempDir('kiosk-xmlsec-');
  try {
    const file = join(dir.path, 'signed.xml');
    writeFileSync(file, xml);
    const args = ['--verify'];
    if (options.certPem) {
      writeFileSync(join(dir.path, 'cert.pem'), options.certPem);
      args.push('--pubkey-cert-pem', join(dir.path, 'cert.pem'));
    }
    if (options.trustedCaPem) {
      writeFileSync(join(dir.path, 'ca.pem'), options.trustedCaPem);
      args.push('--trusted-pem', join(dir.path, 'ca.pem'));
    }
    for (const [attribute, ns, element] of options.ids) args.push(`--id-attr:${attribute}`, `${ns}:${element}`);
    args.push(file);
    const run = spawnSync('xmlsec1', args, { encoding: 'utf8' });
    if (run.error) throw new Error(`xmlsec1 is needed (apt-get install xmlsec1): ${run.error.message}`);
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    dir.remove();
  }
}
