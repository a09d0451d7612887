import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OeirConfig } from './config.js';
import type { Logger } from '../../base/log.js';
import type { TargetHandler } from '../../ports/outbox-target.js';
import { certificateProblems, readPkcs12, type OrganisationCertificate } from './certificates.js';
import { OeirClient } from './client.js';
import { OeirLink, type LinkStatus } from './link.js';
import type { CallerContext } from './mapping.js';
import { oeirPaymentTarget } from './payment-target.js';
import {
  DebtorSystemUnreachableError,
  lookUpDebtorClaims,
  type DebtorClaimShown,
  type DebtorClaimStanding,
} from './precharge.js';
import { createCertificateAuthority, keptCertificateAuthority, toPkcs12 } from '../../base/sandbox-pki.js';
import { DEFAULT_WSDL, DEMO_DEBTOR_CLAIMS, DEMO_MUNICIPALITY_CVR, OeirSandbox } from './sandbox/server.js';
import { StsSandbox } from './sandbox/sts.js';
import { StsTokenProvider, type TokenStatus } from './sts/token-provider.js';
import { STS_ENDPOINTS } from './sts/wire.js';
import { messageOf } from '../../base/errors.js';

/** Serviceplatformen endpoints (modelled: the exact path comes with the integration package). */
const ENDPOINTS = {
  exttest: 'https://exttest.serviceplatformen.dk/service/OIR/DebitorIndbetalingAfsend/1',
  prod: 'https://prod.serviceplatformen.dk/service/OIR/DebitorIndbetalingAfsend/1',
} as const;

export interface OeirSetup {
  /** Null when the integration cannot run (see problems): payments then wait in the outbox. */
  readonly link: OeirLink | null;
  /** What a technician must fix or know, reported at start-up and in diagnostics. */
  readonly problems: readonly string[];
  readonly certificate: Pick<OrganisationCertificate, 'subject' | 'notBefore' | 'notAfter'> | null;
  readonly sandbox: OeirSandbox | null;
  /** The demo's STS (token model), to look at what it issued. */
  readonly stsSandbox: StsSandbox | null;
  /** The token model's token: what `kiosk doctor` and the technician's screen show. Null in the certificate model. */
  tokenStatus(): TokenStatus | null;
  readonly target: TargetHandler;
  status(): LinkStatus;
  /** The debtor system's view of debtor-route claims; DebtorSystemUnreachableError when it cannot be asked. */
  lookUp(claims: readonly DebtorClaimShown[]): Promise<DebtorClaimStanding[]>;
  close(): Promise<void>;
}

export async function setUpOeir(
  config: OeirConfig,
  log: Logger,
  demo: { readonly keepKeysIn?: string } = {},
): Promise<OeirSetup> {
  const problems: string[] = [];
  let sandbox: OeirSandbox | null = null;
  let stsSandbox: StsSandbox | null = null;
  let stsEndpoint = '';
  let certificate: OrganisationCertificate | null = null;
  let caPem: string | undefined;
  let endpoint: string;
  let context: CallerContext;

  if (config.environment === 'sandbox') {
    // Demo: a throwaway PKI and the sandbox on mutual TLS, reached through the same code paths
    // (PKCS#12 file, certificate checks, TLS) as the real service.
    const ca = demo.keepKeysIn
      ? keptCertificateAuthority('Kiosk demo CA', demo.keepKeysIn)
      : createCertificateAuthority('Kiosk demo CA');
    const issued = ca.issue({
      commonName: 'Demo kommune',
      serialNumberAttribute: `CVR:${DEMO_MUNICIPALITY_CVR}-FID:1`,
    });
    certificate = readPkcs12(toPkcs12(issued, 'demo', ca.certPem), 'demo');
    const serverTls = ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1', 'localhost'] });
    let token: { stsCertPem: string; audience: string } | undefined;
    if (config.security === 'token') {
      // The demo's STS: it knows the demo certificate (its service agreement) and this service.
      const signing = ca.issue({ commonName: 'Demo STS' });
      stsSandbox = new StsSandbox({
        signing,
        trustedCaPem: ca.certPem,
        services: [config.sts.appliesTo],
        agreements: new Map([[new X509Certificate(issued.certPem).serialNumber.toUpperCase(), DEMO_MUNICIPALITY_CVR]]),
        tls: serverTls,
      });
      stsEndpoint = await stsSandbox.start();
      token = { stsCertPem: signing.certPem, audience: config.sts.appliesTo };
      log.info({ sts: stsEndpoint }, 'demo mode: STS sandbox started (token model)');
    }
    sandbox = new OeirSandbox({
      tls: { ...serverTls, caPem: ca.certPem },
      municipalityCvr: DEMO_MUNICIPALITY_CVR,
      claims: DEMO_DEBTOR_CLAIMS,
      ...(token ? { token } : {}),
    });
    endpoint = await sandbox.start();
    caPem = ca.certPem;
    context = { kind: 'authority', municipalityCvr: DEMO_MUNICIPALITY_CVR };
    log.info({ oeir: endpoint }, 'demo mode: ØiR sandbox started');
  } else {
    endpoint = config.endpoint || ENDPOINTS[config.environment];
    stsEndpoint = config.sts.endpoint || STS_ENDPOINTS[config.environment === 'exttest' ? 'exttest' : 'prod'];
    context =
      config.context === 'authority'
        ? { kind: 'authority', municipalityCvr: config.municipalityCvr }
        : { kind: 'invocation', ...config.invocation };
    try {
      certificate = readPkcs12(readFileSync(config.certificatePath), config.certificatePassword);
    } catch (error) {
      problems.push(`ØiR certificate ${config.certificatePath}: ${messageOf(error)}`);
    }
    if (config.caPath) {
      try {
        caPem = readFileSync(config.caPath, 'utf8');
      } catch (error) {
        problems.push(`ØiR CA file ${config.caPath}: ${messageOf(error)}`);
      }
    }
  }
  if (certificate) problems.push(...certificateProblems(certificate).map((p) => `ØiR certificate: ${p.message}`));

  let link: OeirLink | null = null;
  let tokens: StsTokenProvider | null = null;
  if (certificate && config.security === 'token')
    tokens = new StsTokenProvider({
      endpoint: stsEndpoint,
      appliesTo: config.sts.appliesTo,
      cvr: context.kind === 'authority' ? context.municipalityCvr : config.municipalityCvr,
      certificate,
      ...(caPem ? { caPem } : {}),
      timeoutMs: config.timeoutMs,
      log: log.child({ integration: 'sts' }),
    });
  if (certificate) {
    try {
      const client = await OeirClient.create({
        wsdlPath: config.wsdlPath || DEFAULT_WSDL,
        endpoint,
        timeoutMs: config.timeoutMs,
        context,
        certificate,
        ...(caPem ? { caPem } : {}),
        ...(tokens ? { tokens } : {}),
        log: log.child({ integration: 'oeir' }),
      });
      link = new OeirLink(client, config.breaker, log);
    } catch (error) {
      problems.push(messageOf(error));
    }
  }
  for (const problem of problems) log.error({ problem }, 'ØiR problem');

  const unavailable = `ØiR is not set up: ${problems.join('; ') || 'unknown reason'}`;
  const offline: LinkStatus = { online: false, since: new Date().toISOString(), reason: unavailable };
  return {
    link,
    problems,
    certificate: certificate && {
      subject: certificate.subject,
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
    },
    sandbox,
    stsSandbox,
    tokenStatus: () => tokens?.status() ?? null,
    // Without a link, payments wait in the outbox with the reason as their last error.
    target: link
      ? oeirPaymentTarget(link, config.place || undefined)
      : () => Promise.resolve({ kind: 'transient', error: unavailable }),
    status: () => link?.status ?? offline,
    lookUp: async (claims) => {
      if (link) return lookUpDebtorClaims(link, claims);
      if (claims.length === 0) return [];
      throw new DebtorSystemUnreachableError(unavailable);
    },
    async close() {
      link?.close();
      tokens?.close();
      await sandbox?.close();
      await stsSandbox?.close();
    },
  };
}
