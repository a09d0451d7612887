import { randomUUID } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { OeirError } from '../errors.js';
import { MAX_XML_DEPTH, xmlNestsDeeperThan } from '../transport.js';

/**
 * KOMBIT's security token service (STS) on the wire: the WS-Trust 1.3 `Issue` request a system
 * sends with its certificate (SOAP 1.2, signed as WS-Security with an X.509 BinarySecurityToken),
 * and the SAML 2.0 holder-of-key assertion in its answer.
 *
 * The shape follows the production client itk-dev/serviceplatformen
 * (`src/Service/SF1514/SAMLTokenSoapTemplate.xml` and `SF1514.php`): the signature covers the
 * Timestamp, the Body, To, ReplyTo, MessageID, Action and the BinarySecurityToken, each with
 * exclusive C14N and SHA-256, signed RSA-SHA256; the body asks for a SAML 2.0 token of key type
 * PublicKey with the own certificate as UseKey, for AppliesTo = the service's entity id and a
 * CvrNumberIdentifier claim. The answer's assertion sits at
 * `Envelope/Body/RequestSecurityTokenResponseCollection/RequestSecurityTokenResponse/RequestedSecurityToken`.
 * The signing itself is xml-crypto's (node-saml), never hand-written.
 */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  auth: 'http://docs.oasis-open.org/wsfed/authorization/200706',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const ALGORITHMS = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

export const WS_TRUST = {
  issueAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue',
  issueRequestType: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue',
  answerAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal',
  saml20: 'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0',
  publicKey: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey',
  claimsDialect: 'http://docs.oasis-open.org/wsfed/authorization/200706/authclaims',
  cvrClaim: 'dk:gov:saml:attribute:CvrNumberIdentifier',
  x509v3: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3',
  base64Binary: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary',
  anonymous: 'http://www.w3.org/2005/08/addressing/anonymous',
  holderOfKey: 'urn:oasis:names:tc:SAML:2.0:cm:holder-of-key',
} as const;

/** KOMBIT's STS for systems with a certificate (external test and production hosts differ). */
export const STS_ENDPOINTS = {
  exttest: 'https://adgangsstyring.eksterntest-stoettesystemerne.dk/runtime/services/kombittrust/14/certificatemixed',
  prod: 'https://adgangsstyring.stoettesystemerne.dk/runtime/services/kombittrust/14/certificatemixed',
} as const;

/** How long a request's own Timestamp is valid (itk-dev: 300 s). */
export const REQUEST_LIFETIME_MS = 5 * 60_000;

export interface IssueRequest {
  /** The STS address (the request's wsa:To). */
  readonly endpoint: string;
  /** The service's entity id, e.g. `http://entityid.kombit.dk/service/...`. */
  readonly appliesTo: string;
  /** The municipality the system acts for. */
  readonly cvr: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly now?: Date;
}

/** The base64 DER of a PEM certificate, on one line. */
export function certificateBase64(certPem: string): string {
  return certPem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/gu, '')
    .replace(/\s+/gu, '')
    .trim();
}

const seconds = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;
const escape = (text: string) =>
  text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;');

/** A WS-Trust Issue request for a holder-of-key SAML 2.0 token, signed with the system certificate. */
export function buildIssueRequest(request: IssueRequest): { xml: string; messageId: string } {
  const now = request.now ?? new Date();
  const cert = certificateBase64(request.certPem);
  const id = (prefix: string) => `${prefix}-${randomUUID()}`;
  const ids = {
    action: id('_action'),
    messageId: id('_msg'),
    to: id('_to'),
    replyTo: id('_reply'),
    timestamp: id('TS'),
    token: id('X509'),
    body: id('_body'),
  };
  const messageId = `urn:uuid:${randomUUID()}`;
  const wsu = `xmlns:wsu="${NS.wsu}"`;
  const xml =
    `<soap:Envelope xmlns:soap="${NS.soap12}">` +
    `<soap:Header>` +
    `<Action xmlns="${NS.wsa}" ${wsu} wsu:Id="${ids.action}">${WS_TRUST.issueAction}</Action>` +
    `<MessageID xmlns="${NS.wsa}" ${wsu} wsu:Id="${ids.messageId}">${messageId}</MessageID>` +
    `<To xmlns="${NS.wsa}" ${wsu} wsu:Id="${ids.to}">${escape(request.endpoint)}</To>` +
    `<ReplyTo xmlns="${NS.wsa}" ${wsu} wsu:Id="${ids.replyTo}"><Address>${WS_TRUST.anonymous}</Address></ReplyTo>` +
    `<wsse:Security xmlns:wsse="${NS.wsse}" ${wsu} soap:mustUnderstand="true">` +
    `<wsu:Timestamp wsu:Id="${ids.timestamp}"><wsu:Created>${seconds(now)}</wsu:Created>` +
    `<wsu:Expires>${seconds(new Date(now.getTime() + REQUEST_LIFETIME_MS))}</wsu:Expires></wsu:Timestamp>` +
    `<wsse:BinarySecurityToken EncodingType="${WS_TRUST.base64Binary}" ValueType="${WS_TRUST.x509v3}" ` +
    `wsu:Id="${ids.token}">${cert}</wsse:BinarySecurityToken>` +
    `</wsse:Security>` +
    `</soap:Header>` +
    `<soap:Body ${wsu} wsu:Id="${ids.body}">` +
    `<wst:RequestSecurityToken xmlns:wst="${NS.wst}">` +
    `<wst:RequestType>${WS_TRUST.issueRequestType}</wst:RequestType>` +
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference xmlns:wsa="${NS.wsa}">` +
    `<wsa:Address>${escape(request.appliesTo)}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<Claims xmlns="${NS.wst}" Dialect="${WS_TRUST.claimsDialect}">` +
    `<ClaimType xmlns="${NS.auth}" Uri="${WS_TRUST.cvrClaim}"><Value>${escape(request.cvr)}</Value></ClaimType>` +
    `</Claims>` +
    `<wst:TokenType>${WS_TRUST.saml20}</wst:TokenType>` +
    `<wst:KeyType>${WS_TRUST.publicKey}</wst:KeyType>` +
    `<wst:UseKey><wsse:BinarySecurityToken xmlns:wsse="${NS.wsse}" EncodingType="${WS_TRUST.base64Binary}" ` +
    `ValueType="${WS_TRUST.x509v3}">${cert}</wsse:BinarySecurityToken></wst:UseKey>` +
    `</wst:RequestSecurityToken>` +
    `</soap:Body>` +
    `</soap:Envelope>`;

  const signer = new SignedXml({
    privateKey: request.keyPem,
    idMode: 'wssecurity',
    canonicalizationAlgorithm: ALGORITHMS.excC14n,
    signatureAlgorithm: ALGORITHMS.rsaSha256,
    // The key is the BinarySecurityToken's certificate, named by reference (WS-Security X.509 profile).
    getKeyInfoContent: () =>
      `<wsse:SecurityTokenReference><wsse:Reference URI="#${ids.token}" ValueType="${WS_TRUST.x509v3}"/>` +
      `</wsse:SecurityTokenReference>`,
  });
  for (const target of [ids.timestamp, ids.body, ids.to, ids.replyTo, ids.messageId, ids.action, ids.token])
    signer.addReference({
      xpath: byWsuId(target),
      transforms: [ALGORITHMS.excC14n],
      digestAlgorithm: ALGORITHMS.sha256,
    });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `//*[local-name(.)='Security' and namespace-uri(.)='${NS.wsse}']`, action: 'append' },
    existingPrefixes: { wsse: NS.wsse },
  });
  return { xml: signer.getSignedXml(), messageId };
}

/** An XPath selecting the element with this wsu:Id. */
export function byWsuId(id: string): string {
  return `//*[@*[local-name(.)='Id' and namespace-uri(.)='${NS.wsu}']='${id}']`;
}

/**
 * Parses XML from outside (the STS's answers, the callers of the sandbox) only after refusing a
 * DOCTYPE or entity declaration and absurd nesting: no DTD is ever processed.
 */
export function parseUntrustedXml(text: string, who: string): Document {
  if (/<!DOCTYPE|<!ENTITY/iu.test(text))
    throw new OeirError('bad-response', `${who}: refused XML with a DOCTYPE or entity declaration`);
  if (xmlNestsDeeperThan(text, MAX_XML_DEPTH))
    throw new OeirError('bad-response', `${who}: refused XML nested deeper than ${MAX_XML_DEPTH} elements`);
  const problems: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: () => undefined, error: (m) => problems.push(m), fatalError: (m) => problems.push(m) },
  }).parseFromString(text, 'application/xml');
  if (problems.length > 0 || !doc.documentElement)
    throw new OeirError('bad-response', `${who}: unreadable XML (${problems[0] ?? 'no root element'})`);
  return doc as unknown as Document;
}

/** Child elements of `parent` with this namespace and local name. */
export function children(parent: Element | Document, ns: string, name: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling)
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name)
      found.push(node as Element);
  return found;
}

/** The one child at the end of this path, or null (a path is [namespace, local name] pairs). */
export function path(from: Element | Document, ...steps: readonly (readonly [string, string])[]): Element | null {
  let at: Element | Document | null = from;
  for (const [ns, name] of steps) {
    const next: Element[] = at ? children(at, ns, name) : [];
    if (next.length !== 1) return null;
    at = next[0]!;
  }
  return at === from ? null : (at as Element);
}

/**
 * How many elements carry this value in an ID attribute (`Id`, `ID`, `id`, any namespace): a
 * signed part must be named exactly once, or a verifier may check one element and read another
 * (signature wrapping).
 */
export function countIds(doc: Document, id: string): number {
  if (!id) return 0;
  let count = 0;
  const walk = (node: Node): void => {
    if (node.nodeType === 1) {
      const element = node as Element;
      for (let i = 0; i < element.attributes.length; i++) {
        const attr = element.attributes.item(i)!;
        if (/^(Id|ID|id)$/u.test(attr.localName ?? attr.name) && attr.value === id) count++;
      }
    }
    for (let child = node.firstChild; child; child = child.nextSibling) walk(child);
  };
  walk(doc as unknown as Node);
  return count;
}

/** A SAML 2.0 holder-of-key assertion as the STS issued it. */
export interface StsToken {
  /** The assertion element, serialized: inserted as is into each call's Security header. */
  readonly assertionXml: string;
  /** Its `ID`: the call's SecurityTokenReference names it (KeyIdentifier, ValueType SAMLID). */
  readonly id: string;
  readonly notBefore: Date;
  readonly notOnOrAfter: Date;
  readonly audience: string;
}

/**
 * The assertion from the STS's answer, or the STS's refusal as an error: `refused` (a SOAP Fault:
 * wrong certificate, no service agreement — a technician must act) or `bad-response`.
 */
export function readIssueAnswer(text: string): StsToken {
  const doc = parseUntrustedXml(text, 'the STS');
  const envelope = doc.documentElement;
  if (envelope?.namespaceURI !== NS.soap12 || envelope.localName !== 'Envelope')
    throw new OeirError('bad-response', 'the STS answered something that is not a SOAP 1.2 envelope');
  const body = path(envelope, [NS.soap12, 'Body']);
  if (!body) throw new OeirError('bad-response', 'the STS answer has no Body');
  const fault = path(body, [NS.soap12, 'Fault']);
  if (fault) throw stsFault(fault);
  const requested = path(
    body,
    [NS.wst, 'RequestSecurityTokenResponseCollection'],
    [NS.wst, 'RequestSecurityTokenResponse'],
    [NS.wst, 'RequestedSecurityToken'],
  );
  const assertion = requested ? path(requested, [NS.saml, 'Assertion']) : null;
  if (!assertion) throw new OeirError('bad-response', 'the STS answer holds no SAML 2.0 assertion');
  return tokenFrom(assertion);
}

/** Reads the facts the kiosk needs from an assertion element (its own copy of them). */
export function tokenFrom(assertion: Element): StsToken {
  const id = assertion.getAttribute('ID');
  const conditions = path(assertion, [NS.saml, 'Conditions']);
  const notBefore = new Date(conditions?.getAttribute('NotBefore') ?? '');
  const notOnOrAfter = new Date(conditions?.getAttribute('NotOnOrAfter') ?? '');
  const audience = conditions
    ? path(conditions, [NS.saml, 'AudienceRestriction'], [NS.saml, 'Audience'])?.textContent?.trim()
    : undefined;
  if (!id || Number.isNaN(notBefore.getTime()) || Number.isNaN(notOnOrAfter.getTime()) || !audience)
    throw new OeirError('bad-response', 'the STS assertion lacks its ID, its validity or its audience');
  return {
    assertionXml: new XMLSerializer().serializeToString(assertion as unknown as Node),
    id,
    notBefore,
    notOnOrAfter,
    audience,
  };
}

/**
 * The STS said no. Its faults are WS-Trust's (`wst:FailedAuthentication`, `wst:InvalidRequest`,
 * `wst:RequestFailed`) in a SOAP 1.2 Fault's Subcode, with a Reason text: a refusal the kiosk
 * cannot fix by asking again.
 */
export class StsRefusedError extends OeirError {
  override name = 'StsRefusedError';
  constructor(
    readonly code: string,
    reason: string,
  ) {
    super('certificate', `KOMBIT's STS refused the token (${code}): ${reason}`, { code });
  }
}

function stsFault(fault: Element): OeirError {
  const value = path(fault, [NS.soap12, 'Code'], [NS.soap12, 'Value'])?.textContent?.trim() ?? 'unknown';
  const subcode = path(fault, [NS.soap12, 'Code'], [NS.soap12, 'Subcode'], [NS.soap12, 'Value'])?.textContent?.trim();
  const code = subcode ? `${value} ${subcode}` : value;
  const reason = path(fault, [NS.soap12, 'Reason'], [NS.soap12, 'Text'])?.textContent?.trim() ?? '';
  // A receiver fault is the STS's own trouble: worth asking again later.
  if (/Receiver/u.test(code)) return new OeirError('platform', `KOMBIT's STS failed (${code}): ${reason}`, { code });
  return new StsRefusedError(code.slice(0, 200), reason.slice(0, 500));
}
