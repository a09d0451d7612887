import { randomUUID, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignedXml } from 'xml-crypto';
import { closeNow, readRequestBody } from '../../../base/loopback-server.js';
import { OeirError } from '../errors.js';
import {
  ALGORITHMS,
  certificateBase64,
  children,
  countIds,
  NS,
  parseUntrustedXml,
  path,
  WS_TRUST,
} from '../sts/wire.js';

export const STS_PATH = '/runtime/services/kombittrust/14/certificatemixed';

/** A token lives 8 hours (KOMBIT's STS; itk-dev/serviceplatformen SF1514.php). */
export const TOKEN_LIFETIME_MS = 8 * 60 * 60_000;
/** Clock skew the sandbox forgives in a request's Timestamp. */
const SKEW_MS = 60_000;

export interface StsSandboxOptions {
  /** The STS's own signing key and certificate (the assertion's signature). */
  readonly signing: { readonly keyPem: string; readonly certPem: string };
  /** The authority callers' certificates must be issued by. */
  readonly trustedCaPem: string;
  /** Service entity ids the STS issues tokens for (AppliesTo → the assertion's audience). */
  readonly services: readonly string[];
  /**
   * The callers that have a service agreement: certificate serial numbers (hex, upper case) and
   * the CVR each may act for. Anyone else is refused as KOMBIT refuses a system without one.
   */
  readonly agreements: ReadonlyMap<string, string>;
  /** HTTPS with this server certificate (server authentication only, as "certificatemixed"). */
  readonly tls?: { readonly keyPem: string; readonly certPem: string };
  readonly now?: () => number;
  readonly tokenLifetimeMs?: number;
}

export interface StsFaults {
  /** Answer this HTTP status (no SOAP) to the next `times` requests. */
  readonly status?: { code: number; times: number };
  /** Never answer (the socket stays open). */
  readonly hang?: boolean;
}

/** One token the sandbox issued. */
export interface IssuedToken {
  readonly id: string;
  readonly audience: string;
  readonly cvr: string;
  readonly subject: string;
  readonly notOnOrAfter: number;
}

/**
 * KOMBIT's STS as the kiosk meets it, for the demo and the tests: it takes a WS-Trust Issue
 * request only when its WS-Security signature verifies with the BinarySecurityToken's certificate
 * (issued by the trusted authority, with a service agreement), covers the Timestamp, Body, the
 * WS-Addressing headers and the token itself, the Timestamp is current and UseKey is the signer's
 * own certificate; then it issues a SAML 2.0 holder-of-key assertion for the requested audience
 * and CVR, with the caller's certificate as the confirmation key, signed with its own key.
 * Anything else gets a WS-Trust fault. The clock is the sandbox's own (tests move it).
 */
export class StsSandbox {
  readonly issued: IssuedToken[] = [];
  /** Requests refused, with the reason (newest last). */
  readonly refusals: string[] = [];
  /** Raw request bodies, newest last (the xmlsec1 tests read them). */
  readonly requests: string[] = [];
  private faults: StsFaults = {};
  private offsetMs = 0;
  private server: Server | null = null;
  url = '';

  constructor(private readonly options: StsSandboxOptions) {}

  now(): number {
    return (this.options.now?.() ?? Date.now()) + this.offsetMs;
  }

  /** Moves the sandbox's clock (tokens and timestamps age). */
  advanceClock(ms: number): void {
    this.offsetMs += ms;
  }

  /** Back to no tokens issued, no faults, its own clock (between runs). */
  reset(): void {
    this.issued.length = 0;
    this.refusals.length = 0;
    this.requests.length = 0;
    this.faults = {};
    this.offsetMs = 0;
  }

  setFaults(faults: StsFaults): void {
    this.faults = structuredClone(faults);
  }

  async start(port = 0): Promise<string> {
    const tls = this.options.tls;
    const server = tls ? createHttpsServer({ key: tls.keyPem, cert: tls.certPem }) : createHttpServer();
    server.keepAliveTimeout = 5000;
    server.on('request', (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}${STS_PATH}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (this.server) await closeNow(this.server);
    this.server = null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== STS_PATH) return void res.writeHead(404).end();
    let body: string;
    try {
      body = await readRequestBody(req, 200_000);
    } catch {
      return;
    }
    this.requests.push(body);
    if (this.requests.length > 100) this.requests.shift();
    if (this.faults.hang) return;
    const status = this.faults.status;
    if (status && status.times > 0) {
      status.times--;
      return void res.writeHead(status.code, { 'content-type': 'text/html' }).end('<html>unavailable</html>');
    }
    let answer: string;
    try {
      answer = this.issue(body);
    } catch (error) {
      const refusal =
        error instanceof Refusal ? error : new Refusal('wst:InvalidRequest', (error as Error).message ?? 'bad request');
      this.refusals.push(`${refusal.code}: ${refusal.message}`);
      return void res
        .writeHead(500, { 'content-type': 'application/soap+xml; charset=utf-8' })
        .end(faultXml(refusal.code, refusal.message));
    }
    res.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' }).end(answer);
  }

  private issue(text: string): string {
    let doc: Document;
    try {
      doc = parseUntrustedXml(text, 'the request');
    } catch (error) {
      throw new Refusal('wst:InvalidRequest', error instanceof OeirError ? error.message : 'unreadable XML');
    }
    const envelope = doc.documentElement;
    if (envelope?.namespaceURI !== NS.soap12 || envelope.localName !== 'Envelope')
      throw new Refusal('wst:InvalidRequest', 'not a SOAP 1.2 envelope');
    const header = path(envelope, [NS.soap12, 'Header']);
    const body = path(envelope, [NS.soap12, 'Body']);
    const security = header ? path(header, [NS.wsse, 'Security']) : null;
    if (!header || !body || !security) throw new Refusal('wst:InvalidRequest', 'no Header, Body or Security');
    const token = path(security, [NS.wsse, 'BinarySecurityToken']);
    const timestamp = path(security, [NS.wsu, 'Timestamp']);
    const signature = path(security, [NS.ds, 'Signature']);
    if (!token || !timestamp) throw new Refusal('wst:InvalidRequest', 'no BinarySecurityToken or Timestamp');
    if (!signature) throw new Refusal('wst:FailedAuthentication', 'the request is not signed');

    // Who is asking: a certificate from the trusted authority, with a service agreement.
    const certPem = pemOf(token.textContent ?? '');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certPem);
    } catch {
      throw new Refusal('wst:FailedAuthentication', 'the BinarySecurityToken is not a certificate');
    }
    const ca = new X509Certificate(this.options.trustedCaPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
      throw new Refusal('wst:FailedAuthentication', 'the certificate is not issued by a trusted authority');
    const now = this.now();
    if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now)
      throw new Refusal('wst:FailedAuthentication', 'the certificate is outside its validity');

    // The signature: made with that certificate's key, over what must be signed.
    const verifier = new SignedXml({ publicCert: certPem, idMode: 'wssecurity' });
    verifier.loadSignature(signature as unknown as Node);
    let valid = false;
    try {
      valid = verifier.checkSignature(text);
    } catch (error) {
      throw new Refusal('wst:FailedAuthentication', `the signature does not verify: ${(error as Error).message}`);
    }
    if (!valid) throw new Refusal('wst:FailedAuthentication', 'the signature does not verify');
    const signedIds = new Set(verifier.getReferences().map((r) => r.uri.replace(/^#/u, '')));
    const wsuId = (element: Element | null) => element?.getAttributeNS(NS.wsu, 'Id') ?? '';
    const mustSign: readonly [string, Element | null][] = [
      ['Timestamp', timestamp],
      ['Body', body],
      ['BinarySecurityToken', token],
      ['To', path(header, [NS.wsa, 'To'])],
      ['Action', path(header, [NS.wsa, 'Action'])],
      ['MessageID', path(header, [NS.wsa, 'MessageID'])],
      ['ReplyTo', path(header, [NS.wsa, 'ReplyTo'])],
    ];
    for (const [name, element] of mustSign) {
      const id = wsuId(element);
      // The signed element must be the one in its place, found once (no signature wrapping).
      if (!element || !id || !signedIds.has(id) || countIds(doc, id) !== 1)
        throw new Refusal('wst:FailedAuthentication', `the signature does not cover the ${name}`);
    }
    const created = Date.parse(path(timestamp, [NS.wsu, 'Created'])?.textContent ?? '');
    const expires = Date.parse(path(timestamp, [NS.wsu, 'Expires'])?.textContent ?? '');
    if (!(created <= now + SKEW_MS) || !(expires > now - SKEW_MS))
      throw new Refusal('wst:InvalidSecurity', 'the request has expired (Timestamp)');

    // What is asked for.
    const rst = path(body, [NS.wst, 'RequestSecurityToken']);
    if (!rst) throw new Refusal('wst:InvalidRequest', 'no RequestSecurityToken');
    const text1 = (...steps: readonly (readonly [string, string])[]) => path(rst, ...steps)?.textContent?.trim() ?? '';
    if (text1([NS.wst, 'RequestType']) !== WS_TRUST.issueRequestType)
      throw new Refusal('wst:InvalidRequest', 'RequestType is not Issue');
    if (text1([NS.wst, 'TokenType']) !== WS_TRUST.saml20)
      throw new Refusal('wst:InvalidRequest', 'TokenType is not SAML 2.0');
    if (text1([NS.wst, 'KeyType']) !== WS_TRUST.publicKey)
      throw new Refusal('wst:InvalidRequest', 'KeyType is not PublicKey (holder-of-key)');
    const useKey = text1([NS.wst, 'UseKey'], [NS.wsse, 'BinarySecurityToken']).replace(/\s+/gu, '');
    if (useKey !== certificateBase64(certPem))
      throw new Refusal('wst:InvalidRequest', 'UseKey is not the certificate that signed the request');
    const audience = text1([NS.wsp, 'AppliesTo'], [NS.wsa, 'EndpointReference'], [NS.wsa, 'Address']);
    if (!this.options.services.includes(audience))
      throw new Refusal('wst:InvalidRequest', `no service with entity id ${audience || '(none)'}`);
    const claims = children(rst, NS.wst, 'Claims')[0];
    const claim = claims
      ? children(claims, NS.auth, 'ClaimType').find((c) => c.getAttribute('Uri') === WS_TRUST.cvrClaim)
      : undefined;
    const cvr = claim ? (path(claim, [NS.auth, 'Value'])?.textContent?.trim() ?? '') : '';
    const agreed = this.options.agreements.get(cert.serialNumber.toUpperCase());
    if (agreed === undefined)
      throw new Refusal('wst:FailedAuthentication', `no service agreement for certificate ${cert.subject}`);
    if (!/^\d{8}$/u.test(cvr) || cvr !== agreed)
      throw new Refusal('wst:FailedAuthentication', `the certificate may not act for CVR ${cvr || '(none)'}`);

    const assertion = this.assertion({ audience, cvr, cert, now });
    const messageId = path(header, [NS.wsa, 'MessageID'])?.textContent?.trim() ?? '';
    return (
      `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}">` +
      `<s:Header><a:Action>${WS_TRUST.answerAction}</a:Action><a:RelatesTo>${escapeText(messageId)}</a:RelatesTo></s:Header>` +
      `<s:Body><trust:RequestSecurityTokenResponseCollection xmlns:trust="${NS.wst}">` +
      `<trust:RequestSecurityTokenResponse>` +
      `<trust:TokenType>${WS_TRUST.saml20}</trust:TokenType>` +
      `<trust:RequestedSecurityToken>${assertion}</trust:RequestedSecurityToken>` +
      `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><a:EndpointReference><a:Address>${escapeText(audience)}</a:Address>` +
      `</a:EndpointReference></wsp:AppliesTo>` +
      `<trust:KeyType>${WS_TRUST.publicKey}</trust:KeyType>` +
      `</trust:RequestSecurityTokenResponse></trust:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>`
    );
  }

  /** A SAML 2.0 holder-of-key assertion, signed enveloped with the STS's key. */
  private assertion(input: { audience: string; cvr: string; cert: X509Certificate; now: number }): string {
    const id = `_${randomUUID()}`;
    const notOnOrAfter = input.now + (this.options.tokenLifetimeMs ?? TOKEN_LIFETIME_MS);
    const at = (ms: number) => new Date(ms).toISOString();
    const xml =
      `<saml:Assertion xmlns:saml="${NS.saml}" ID="${id}" IssueInstant="${at(input.now)}" Version="2.0">` +
      `<saml:Issuer>https://sts.sandbox.kiosk/kombittrust</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName">` +
      `${escapeText(input.cert.subject.replace(/\n/gu, ','))}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="${WS_TRUST.holderOfKey}"><saml:SubjectConfirmationData>` +
      `<ds:KeyInfo xmlns:ds="${NS.ds}"><ds:X509Data><ds:X509Certificate>${input.cert.raw.toString('base64')}` +
      `</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
      `</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${at(input.now - SKEW_MS)}" NotOnOrAfter="${at(notOnOrAfter)}">` +
      `<saml:AudienceRestriction><saml:Audience>${escapeText(input.audience)}</saml:Audience></saml:AudienceRestriction>` +
      `</saml:Conditions>` +
      `<saml:AttributeStatement><saml:Attribute Name="${WS_TRUST.cvrClaim}">` +
      `<saml:AttributeValue>${input.cvr}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
      `</saml:Assertion>`;
    const signer = new SignedXml({
      privateKey: this.options.signing.keyPem,
      publicCert: this.options.signing.certPem,
      canonicalizationAlgorithm: ALGORITHMS.excC14n,
      signatureAlgorithm: ALGORITHMS.rsaSha256,
    });
    signer.addReference({
      xpath: `/*[local-name(.)='Assertion']`,
      transforms: [ALGORITHMS.envelopedSignature, ALGORITHMS.excC14n],
      digestAlgorithm: ALGORITHMS.sha256,
    });
    // SAML's schema puts the signature right after the Issuer.
    signer.computeSignature(xml, {
      prefix: 'ds',
      location: { reference: `/*/*[local-name(.)='Issuer']`, action: 'after' },
    });
    this.issued.push({
      id,
      audience: input.audience,
      cvr: input.cvr,
      subject: input.cert.subject,
      notOnOrAfter,
    });
    return signer.getSignedXml();
  }
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function faultXml(code: string, reason: string): string {
  return (
    `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><s:Fault>` +
    `<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:wst="${NS.wst}">${code}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en">${escapeText(reason)}</s:Text></s:Reason>` +
    `</s:Fault></s:Body></s:Envelope>`
  );
}

function pemOf(base64: string): string {
  const clean = base64.replace(/\s+/gu, '');
  return `-----BEGIN CERTIFICATE-----\n${clean.replace(/(.{64})/gu, '$1\n').replace(/\n$/u, '')}\n-----END CERTIFICATE-----\n`;
}

function escapeText(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}
