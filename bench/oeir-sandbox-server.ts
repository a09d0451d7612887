/**
 * The ØiR sandbox on mutual TLS in its own process, for the benchmark, with the STS for the token
 * model. Prints one JSON line: the URLs, the CA and a client certificate (PKCS#12, base64) made
 * for this run, with a service agreement at the STS.
 */
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, toPkcs12 } from '../base/sandbox-pki.js';
import { DEMO_MUNICIPALITY_CVR, OeirSandbox } from '../integrations/oeir/sandbox/server.js';
import { StsSandbox } from '../integrations/oeir/sandbox/sts.js';

/** The service the benchmark's token is for (bench/run.ts asks for the same). */
const BENCH_AUDIENCE = 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1';

const ca = createCertificateAuthority('Bench CA');
const sandbox = new OeirSandbox({
  tls: { ...ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1'] }), caPem: ca.certPem },
  municipalityCvr: DEMO_MUNICIPALITY_CVR,
  claims: { '1': 100_000_000_000 },
  // The client's throughput is measured here; the sandbox's schema check on its own (benchSchemaCheck).
  checkSchema: false,
});
const url = await sandbox.start();
const kiosk = ca.issue({ commonName: 'Bench kommune' });
const p12 = toPkcs12(kiosk, 'bench', ca.certPem);
// The token model's STS. The ØiR sandbox here does not check tokens (as it skips the schema
// check): the benchmark measures the kiosk's side, signing included.
const sts = new StsSandbox({
  signing: ca.issue({ commonName: 'Bench STS' }),
  trustedCaPem: ca.certPem,
  services: [BENCH_AUDIENCE],
  agreements: new Map([[new X509Certificate(kiosk.certPem).serialNumber.toUpperCase(), DEMO_MUNICIPALITY_CVR]]),
  tls: ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1'] }),
});
const stsUrl = await sts.start();
process.stdout.write(
  `${JSON.stringify({ url, stsUrl, caPem: ca.certPem, p12: p12.toString('base64'), password: 'bench' })}\n`,
);
process.on('message', () => process.send?.({ ledger: sandbox.ledger.size, tokens: sts.issued.length }));
process.stdin.resume();
process.stdin.on('end', () => void Promise.all([sandbox.close(), sts.close()]).then(() => process.exit(0)));
