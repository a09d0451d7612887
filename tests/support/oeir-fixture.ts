import { readPkcs12 } from '../../integrations/oeir/certificates.js';
import { OeirClient } from '../../integrations/oeir/client.js';
import type { CallerContext } from '../../integrations/oeir/mapping.js';
import {
  DEFAULT_WSDL,
  DEMO_DEBTOR_CLAIMS,
  DEMO_MUNICIPALITY_CVR,
  OeirSandbox,
} from '../../integrations/oeir/sandbox/server.js';
import { createCertificateAuthority, toPkcs12, type CertificateAuthority } from '../../base/sandbox-pki.js';
import type { Logger } from '../../base/log.js';
import { memoryLogger } from './fixtures.js';

/** A test PKI (made now, never committed), the ØiR sandbox on mutual TLS, and a client for it. */
export interface OeirFixture {
  readonly ca: CertificateAuthority;
  readonly sandbox: OeirSandbox;
  /** The kiosk's organisation certificate as a PKCS#12 file, and its password. */
  readonly p12: Buffer;
  readonly password: string;
  client(options?: {
    log?: Logger;
    timeoutMs?: number;
    p12?: Buffer;
    password?: string;
    context?: CallerContext;
  }): Promise<OeirClient>;
  close(): Promise<void>;
}

export async function startOeirFixture(
  claims: Readonly<Record<string, number>> = DEMO_DEBTOR_CLAIMS,
): Promise<OeirFixture> {
  const ca = createCertificateAuthority('Test CA');
  const server = ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1', 'localhost'] });
  const kiosk = ca.issue({
    commonName: 'Test Kommune kiosk',
    serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:1`,
  });
  const password = 'test-password';
  const p12 = toPkcs12(kiosk, password, ca.certPem);
  const sandbox = new OeirSandbox({
    tls: { ...server, caPem: ca.certPem },
    municipalityCvr: DEMO_MUNICIPALITY_CVR,
    claims,
  });
  await sandbox.start();
  const clients: OeirClient[] = [];
  return {
    ca,
    sandbox,
    p12,
    password,
    async client(options = {}) {
      const client = await OeirClient.create({
        wsdlPath: DEFAULT_WSDL,
        endpoint: sandbox.url,
        timeoutMs: options.timeoutMs ?? 1500,
        context: options.context ?? { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR },
        certificate: readPkcs12(options.p12 ?? p12, options.password ?? password),
        caPem: ca.certPem,
        log: options.log ?? memoryLogger().log,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await sandbox.close();
    },
  };
}
