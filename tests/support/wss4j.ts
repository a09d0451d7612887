import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './fixtures.js';

const JARS = ['wss4j.jar', 'xmlsec.jar', 'commons-logging.jar', 'slf4j-api.jar'].map((j) => `/usr/share/java/${j}`);
const SOURCE = fileURLToPath(new URL('./WssVerify.java', import.meta.url));

/**
 * Apache WSS4J (Java) verifying a signed call: the independent check of the token model's
 * message signature, STR-Transform included — xmlsec1 has no STR-Transform. `.ci/run` installs
 * Java and the Debian packages; a machine without them fails these tests with this message.
 */
export function wss4jVerify(xml: string, signerCertPem: string): { ok: boolean; output: string } {
  const missing = JARS.filter((jar) => !existsSync(jar));
  if (missing.length > 0)
    throw new Error(`WSS4J is needed (apt-get install default-jdk-headless libwss4j-java): ${missing.join(', ')}`);
  const dir = tempDir('kiosk-wss4j-');
  try {
    writeFileSync(join(dir.path, 'signer.pem'), signerCertPem);
    writeFileSync(join(dir.path, 'message.xml'), xml);
    const run = spawnSync(
      'java',
      ['-cp', JARS.join(':'), SOURCE, join(dir.path, 'signer.pem'), join(dir.path, 'message.xml')],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (run.error) throw new Error(`java is needed (apt-get install default-jdk-headless): ${run.error.message}`);
    const output = `${run.stdout}${run.stderr}`
      .split('\n')
      .filter((line) => !line.startsWith('SLF4J'))
      .join('\n');
    return { ok: run.status === 0, output };
  } finally {
    dir.remove();
  }
}
