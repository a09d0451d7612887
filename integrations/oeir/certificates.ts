import forge from 'node-forge';
import { OeirError } from './errors.js';
import { messageOf } from '../../base/errors.js';

/**
 * The organisation's certificate (FOCES/OCES3) for mutual TLS with Serviceplatformen, read from
 * its PKCS#12 file. node-forge reads both modern (AES, SHA-256) and legacy (RC2/3DES) files;
 * Node's own OpenSSL 3 refuses the legacy ones that older tools and Windows still export.
 */
export interface OrganisationCertificate {
  readonly keyPem: string;
  readonly certPem: string;
  /** Intermediate certificates in the file, if any. */
  readonly chainPem: readonly string[];
  readonly subject: string;
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertificateProblem {
  readonly kind: 'expired' | 'not-yet-valid' | 'expires-soon';
  readonly message: string;
}

const EXPIRY_WARNING_DAYS = 30;

export function readPkcs12(file: Buffer, password: string): OrganisationCertificate {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(file.toString('binary')), false, password);
  } catch (error) {
    const message = messageOf(error);
    if (/MAC could not be verified|Invalid password/i.test(message)) {
      throw new OeirError('certificate', 'the certificate password is wrong (PKCS#12 mac verify failure)');
    }
    throw new OeirError('certificate', `the certificate file is not a readable PKCS#12 file: ${message}`);
  }
  const keyBags = [...bags(p12, 'pkcs8ShroudedKeyBag'), ...bags(p12, 'keyBag')];
  const certs = bags(p12, 'certBag').flatMap((b) => (b.cert ? [b.cert] : []));
  const key = keyBags[0]?.key;
  if (!key) throw new OeirError('certificate', 'the certificate file holds no private key');
  // The organisation's own certificate is the one whose public key matches the private key.
  const publicPem = forge.pki.publicKeyToPem(
    forge.pki.setRsaPublicKey((key as forge.pki.rsa.PrivateKey).n, (key as forge.pki.rsa.PrivateKey).e),
  );
  const own = certs.find((c) => forge.pki.publicKeyToPem(c.publicKey) === publicPem);
  if (!own) throw new OeirError('certificate', 'the certificate file holds no certificate for its private key');
  return {
    keyPem: forge.pki.privateKeyToPem(key),
    certPem: forge.pki.certificateToPem(own),
    chainPem: certs.filter((c) => c !== own).map((c) => forge.pki.certificateToPem(c)),
    subject: own.subject.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', '),
    serialNumber: own.serialNumber,
    notBefore: own.validity.notBefore,
    notAfter: own.validity.notAfter,
  };
}

function bags(p12: forge.pkcs12.Pkcs12Pfx, type: 'pkcs8ShroudedKeyBag' | 'keyBag' | 'certBag'): forge.pkcs12.Bag[] {
  const oid = forge.pki.oids[type] as string;
  return p12.getBags({ bagType: oid })[oid] ?? [];
}

/** Problems a technician must hear about at start-up and in diagnostics. */
export function certificateProblems(
  cert: Pick<OrganisationCertificate, 'notBefore' | 'notAfter'>,
  now: Date = new Date(),
): CertificateProblem[] {
  const day = 24 * 60 * 60 * 1000;
  if (now < cert.notBefore) {
    return [{ kind: 'not-yet-valid', message: `the certificate is not valid before ${cert.notBefore.toISOString()}` }];
  }
  if (now > cert.notAfter)
    return [{ kind: 'expired', message: `the certificate expired ${cert.notAfter.toISOString()}` }];
  const daysLeft = Math.floor((cert.notAfter.getTime() - now.getTime()) / day);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    return [
      {
        kind: 'expires-soon',
        message: `the certificate expires in ${daysLeft} days (${cert.notAfter.toISOString()}): order a new one`,
      },
    ];
  }
  return [];
}
