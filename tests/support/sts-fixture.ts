import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, toPkcs12, type IssuedCertificate } from '../../base/sandbox-pki.js';
import { readPkcs12, type OrganisationCertificate } from '../../integrations/oeir/certificates.js';
import { StsSandbox, type StsSandboxOptions } from '../../integrations/oeir/sandbox/sts.js';

export const SERVICE = 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1';
export const CVR = '29189846';

/** The sandbox STS with a throwaway authority, and a kiosk certificate with a service agreement. */
export function stsWorld(options: Partial<StsSandboxOptions> = {}) {
  const ca = createCertificateAuthority('STS test CA');
  const signing = ca.issue({ commonName: 'Sandbox STS' });
  const kiosk = ca.issue({ commonName: 'Demo kommune', serialNumberAttribute: `CVR:${CVR}-FID:1` });
  const sandbox = new StsSandbox({
    signing,
    trustedCaPem: ca.certPem,
    services: [SERVICE],
    agreements: new Map([[serialOf(kiosk), CVR]]),
    ...options,
  });
  return { ca, signing, kiosk, sandbox, certificate: organisation(kiosk, ca.certPem) };
}

export function serialOf(cert: IssuedCertificate): string {
  return new X509Certificate(cert.certPem).serialNumber.toUpperCase();
}

/** As the kiosk reads its certificate: through a PKCS#12 file. */
export function organisation(cert: IssuedCertificate, caPem: string): OrganisationCertificate {
  return readPkcs12(toPkcs12(cert, 'test', caPem), 'test');
}
