import forge from 'node-forge';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * A throwaway authority kept in `dir` between starts (the demo keeps it in its data folder):
 * RSA key generation is most of a demo start (five 2048-bit keys, ~1 s here), and these keys
 * protect nothing but loopback connections to the sandboxes. A certificate is made again when it
 * has less than a month left. Custom validity windows (tests of expired certificates) are never kept.
 */
export function keptCertificateAuthority(name: string, dir: string): CertificateAuthority {
  const file = join(dir, `${name.toLowerCase().replace(/[^a-z0-9]+/gu, '-')}.json`);
  let kept: KeptAuthority | null;
  try {
    kept = JSON.parse(readFileSync(file, 'utf8')) as KeptAuthority;
    if (!lastsAMonth(kept.ca)) kept = null;
  } catch {
    kept = null; // none yet, or unreadable: a new one
  }
  const ca = kept ? fromKept(kept.ca) : createCertificateAuthority(name);
  const store: KeptAuthority = kept ?? { ca: { keyPem: ca.keyPem, certPem: ca.certPem }, issued: {} };
  const save = (): void => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, JSON.stringify(store), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  if (!kept) save();
  return {
    keyPem: ca.keyPem,
    certPem: ca.certPem,
    issue(options) {
      if (options.notBefore || options.notAfter) return ca.issue(options);
      const key = JSON.stringify([
        options.commonName,
        options.serialNumberAttribute ?? '',
        options.serverNames ?? null,
      ]);
      const found = store.issued[key];
      if (found && lastsAMonth(found)) return found;
      const issued = ca.issue(options);
      store.issued[key] = issued;
      save();
      return issued;
    },
  };
}

interface KeptAuthority {
  readonly ca: IssuedCertificate;
  readonly issued: Record<string, IssuedCertificate>;
}

function lastsAMonth(issued: IssuedCertificate): boolean {
  return Date.parse(new X509Certificate(issued.certPem).validTo) > Date.now() + 30 * DAY;
}

/** An authority from its stored key and certificate; forge parses them only when it must issue. */
function fromKept(stored: IssuedCertificate): CertificateAuthority {
  let ca: { key: forge.pki.rsa.PrivateKey; cert: forge.pki.Certificate } | null = null;
  return {
    ...stored,
    issue(options) {
      ca ??= {
        key: forge.pki.privateKeyFromPem(stored.keyPem) as forge.pki.rsa.PrivateKey,
        cert: forge.pki.certificateFromPem(stored.certPem),
      };
      return issueCertificate(ca.key, ca.cert, options);
    },
  };
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
    issue: (options) => issueCertificate(keys.privateKey, ca, options),
  };
}

function issueCertificate(
  caKey: forge.pki.rsa.PrivateKey,
  caCert: forge.pki.Certificate,
  options: IssueOptions,
): IssuedCertificate {
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
  cert.setIssuer(caCert.subject.attributes);
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
  cert.sign(caKey, forge.md.sha256.create());
  return { keyPem: forge.pki.privateKeyToPem(leafKeys.privateKey), certPem: forge.pki.certificateToPem(cert) };
}

/** A PKCS#12 file (AES-256) holding the key, the certificate and the CA, as organisations get them. */
export function toPkcs12(issued: IssuedCertificate, password: string, caPem?: string): Buffer {
  const chain = [forge.pki.certificateFromPem(issued.certPem), ...(caPem ? [forge.pki.certificateFromPem(caPem)] : [])];
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(issued.keyPem), chain, password, {
    algorithm: 'aes256',
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
