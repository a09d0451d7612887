/**
 * The ØiR sandbox on mutual TLS in its own process, for the benchmark. Prints one JSON line: its
 * URL, the CA and a client certificate (PKCS#12, base64) made for this run.
 */
import { createCertificateAuthority, toPkcs12 } from '../base/sandbox-pki.js';
import { DEMO_MUNICIPALITY_CVR, OeirSandbox } from '../integrations/oeir/sandbox/server.js';

const ca = createCertificateAuthority('Bench CA');
const sandbox = new OeirSandbox({
  tls: { ...ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1'] }), caPem: ca.certPem },
  municipalityCvr: DEMO_MUNICIPALITY_CVR,
  claims: { '1': 100_000_000_000 },
  // The client's throughput is measured here; the sandbox's schema check on its own (benchSchemaCheck).
  checkSchema: false,
});
const url = await sandbox.start();
const p12 = toPkcs12(ca.issue({ commonName: 'Bench kommune' }), 'bench', ca.certPem);
process.stdout.write(`${JSON.stringify({ url, caPem: ca.certPem, p12: p12.toString('base64'), password: 'bench' })}\n`);
process.on('message', () => process.send?.({ ledger: sandbox.ledger.size }));
process.stdin.resume();
process.stdin.on('end', () => void sandbox.close().then(() => process.exit(0)));
