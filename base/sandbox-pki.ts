import forge from 'node-forge';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * A throwaway certificate authority for the sandboxes (ØiR, terminal simulator): the demo and the tests make one at run
 * time (nothing is committed). It issues the sandbox's server certificate and organisation
 * certificates for the kiosk, with any validity window (to test expired and not-yet-valid ones).
 */
export interface IssuedCertificate {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface IssueOptions {
  readonly commonName: string;
  /** e.g. "CVR:29189846-FID:1234", as in organisation (FOCES) certificates. */
  readonly serialNumberAttribute?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** A server certificate for these loopback names; otherwise a client certificate. */
  readonly serverNames?: readonly string[];
}

export interface CertificateAuthority extends IssuedCertificate {
  issue(options: IssueOptions): IssuedCertificate;
}

const DAY = 24 * 60 * 60 * 1000;

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // Native key generation: forge's pure-JS RSA takes seconds per key.
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function serial(): string {
  // Positive, 16 bytes.
  return `01${randomBytes(15).toString('hex')}`;
}

export function createCertificateAuthority(name: string): CertificateAuthority {
  const keys = newKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = keys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(Date.now() - DAY);
  ca.validity.notAfter = new Date(Date.now() + 3650 * DAY);
  const subject = [
    { name: 'commonName', value: name },
    { name: 'organizationName', value: 'Kiosk sandbox' },
  ];
  ca.setSubject(subject);
  ca.setIssuer(subject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(keys.privateKey, forge.md.sha256.create());

  return {
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
    certPem: forge.pki.certificateToPem(ca),
    issue(options) {
      const leafKeys = newKeyPair();
      const cert = forge.pki.createCertificate();
      cert.publicKey = leafKeys.publicKey;
      cert.serialNumber = serial();
      cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
      cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
      cert.setSubject([
        { name: 'commonName', value: options.commonName },
        ...(options.serialNumberAttribute ? [{ name: 'serialNumber', value: options.serialNumberAttribute }] : []),
      ]);
      cert.setIssuer(ca.subject.attributes);
      const server = options.serverNames !== undefined;
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: server, clientAuth: !server },
        ...(server
          ? [
              {
                name: 'subjectAltName',
                altNames: options.serverNames!.map((n) =>
                  /^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n },
                ),
              },
            ]
          : []),
      ]);
      cert.sign(keys.privateKey, forge.md.sha256.create());
      return { keyPem: forge.pki.privateKeyToPem(leafKeys.privateKey), certPem: forge.pki.certificateToPem(cert) };
    },
  };
}

/** A PKCS#12 file (AES-256) holding the key, the certificate and the CA, as organisations get them. */
export function toPkcs12(issued: IssuedCertificate, password: string, caPem?: string): Buffer {
  const chain = [forge.pki.certificateFromPem(issued.certPem), ...(caPem ? [forge.pki.certificateFromPem(caPem)] : [])];
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(issued.keyPem), chain, password, {
    algorithm: 'aes256',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
