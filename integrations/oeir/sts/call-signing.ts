import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import {
  ExclusiveCanonicalization,
  findAncestorNs,
  SignedXml,
  type CanonicalizationOrTransformationAlgorithm,
  type SignatureAlgorithm,
} from 'xml-crypto';
import { ALGORITHMS, children, NS, WS_TRUST, type StsToken } from './wire.js';

/**
 * A Serviceplatformen call under the token-based security model: the SAML assertion from KOMBIT's
 * STS in the WS-Security header and the message signed with the kiosk's own key (the key the
 * assertion names as holder-of-key). The header follows the production client
 * itk-dev/serviceplatformen, `src/Service/SF1500/SF1500XMLBuilder.php` (`buildHeaderXML`,
 * `buildSignedRequest`): the Liberty `sbf:Framework` element, WS-Addressing Action, MessageID,
 * ReplyTo and To, KOMBIT's `RequestHeader/TransactionUUID`, and `wsse:Security` holding a
 * Timestamp, the assertion and a SecurityTokenReference naming it (KeyIdentifier, ValueType
 * SAMLID). The signature covers Body, Action, MessageID, ReplyTo, To, Timestamp and — through the
 * STR-Transform — the assertion the SecurityTokenReference names.
 *
 * xml-crypto (node-saml) signs; it has no STR-Transform, so that transform is added on top of it
 * here (`StrTransform`, registered with the signer), and the Transform's TransformationParameters
 * (the canonicalization the transform applies), which xml-crypto cannot write, are added to
 * SignedInfo before the signature value is computed again over it.
 */
export const STR_TRANSFORM =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform';
export const SAML_ID = 'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID';
export const WSSE11 = 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd';
export const LIBERTY = { sbf: 'urn:liberty:sb:2006-08', profile: 'urn:liberty:sb:profile' } as const;
export const REQUEST_HEADER_NS = 'http://kombit.dk/xml/schemas/RequestHeader/1/';

/** How long a call's Timestamp is valid (itk-dev: 300 s). */
export const CALL_LIFETIME_MS = 5 * 60_000;

/**
 * WSS 1.0 §8.3 STR Dereference Transform, as an xml-crypto transform: the output is the security
 * token the SecurityTokenReference names (here: the SAML assertion with that ID in the same
 * message), canonicalized with exclusive C14N (the TransformationParameters the kiosk writes).
 */
export class StrTransform implements CanonicalizationOrTransformationAlgorithm {
  process(node: Node): string {
    const str = node as Element;
    const identifiers = children(str, NS.wsse, 'KeyIdentifier');
    if (identifiers.length !== 1 || identifiers[0]!.getAttribute('ValueType') !== SAML_ID)
      throw new Error('STR-Transform: the SecurityTokenReference has no SAMLID KeyIdentifier');
    const id = identifiers[0]!.textContent?.trim() ?? '';
    const assertions = Array.from(str.ownerDocument!.getElementsByTagNameNS(NS.saml, 'Assertion')).filter(
      (a) => a.getAttribute('ID') === id,
    );
    if (assertions.length !== 1) throw new Error(`STR-Transform: ${assertions.length} assertions with ID ${id}`);
    return withDefaultNamespace(assertions[0]!, new ExclusiveCanonicalization().process(assertions[0]!, {}).toString());
  }

  getAlgorithmName(): string {
    return STR_TRANSFORM;
  }
}

/**
 * The STR-Transform canonicalizes the token with the default namespace as an inclusive prefix
 * (`#default`): the apex element carries its in-scope default namespace, `xmlns=""` when there is
 * none — as WSS4J does (apache/ws-wss4j, `STRTransform.transformIt`:
 * `canon.canonicalizeSubtree(dereferencedToken, "#default", true, os)`), and as WSS4J 1.6 verified
 * the kiosk's calls in tests/integration/oeir-token.test.ts. xml-crypto's exclusive C14N has no
 * `#default`; for a prefixed apex (a SAML assertion always is) the declaration is the first
 * namespace node, right after the element's name (C14N puts the default namespace first).
 */
function withDefaultNamespace(apex: Element, canonical: string): string {
  if (!apex.prefix) return canonical;
  const inScope = apex.lookupNamespaceURI(null) ?? '';
  const name = `<${apex.prefix}:${apex.localName}`;
  if (!canonical.startsWith(name)) throw new Error('STR-Transform: unexpected canonical form');
  return `${name} xmlns="${inScope}"${canonical.slice(name.length)}`;
}

/** xml-crypto's signature value, not computed: `withTransformationParameters` signs the final SignedInfo. */
class SignatureComputedLater implements SignatureAlgorithm {
  getSignature(): string {
    return '';
  }
  verifySignature(): boolean {
    throw new Error('signing only');
  }
  getAlgorithmName(): string {
    return ALGORITHMS.rsaSha256;
  }
}

/** The key, read from PEM once (reading it is a third of an RSA signature's cost). */
const keys = new Map<string, KeyObject>();
function keyObject(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    keys.clear();
    keys.set(pem, key);
  }
  return key;
}

export interface CallSigning {
  readonly token: StsToken;
  /** The kiosk's private key: the one whose certificate the assertion confirms. */
  readonly keyPem: string;
  /** The operation's SOAP action (wsa:Action). */
  readonly action: string;
  /** The service's address (wsa:To). */
  readonly to: string;
  readonly now?: Date;
}

const seconds = (at: Date) => `${at.toISOString().slice(0, 19)}Z`;
const escape = (text: string) => text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');

/** Adds the token-model header to a SOAP envelope (the kiosk's own) and signs it. */
export function signCall(envelopeXml: string, signing: CallSigning): string {
  const doc = new DOMParser().parseFromString(envelopeXml, 'application/xml');
  const envelope = doc.documentElement!;
  const soap = envelope.namespaceURI ?? '';
  const body = children(envelope, soap, 'Body')[0];
  if (!body) throw new Error('the envelope has no Body');
  let header = children(envelope, soap, 'Header')[0];
  if (!header) {
    header = doc.createElementNS(soap, `${envelope.prefix ? `${envelope.prefix}:` : ''}Header`);
    envelope.insertBefore(header, body);
  }
  const now = signing.now ?? new Date();
  const id = (prefix: string) => `${prefix}-${randomUUID()}`;
  const ids = {
    body: id('_body'),
    action: id('_action'),
    message: id('_msg'),
    replyTo: id('_reply'),
    to: id('_to'),
    ts: id('TS'),
  };
  const strId = `_str${signing.token.id}`;
  body.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:wsu', NS.wsu);
  body.setAttributeNS(NS.wsu, 'wsu:Id', ids.body);

  const wsu = `xmlns:wsu="${NS.wsu}"`;
  const s = `xmlns:s="${soap}"`;
  const parts =
    `<sbf:Framework xmlns:sbf="${LIBERTY.sbf}" xmlns:ns1="${LIBERTY.profile}" ns1:profile="urn:liberty:sb:profile:basic" version="2.0"/>` +
    `<a:Action xmlns:a="${NS.wsa}" ${s} ${wsu} s:mustUnderstand="1" wsu:Id="${ids.action}">${escape(signing.action)}</a:Action>` +
    `<h:RequestHeader xmlns:h="${REQUEST_HEADER_NS}"><h:TransactionUUID>${randomUUID()}</h:TransactionUUID></h:RequestHeader>` +
    `<a:MessageID xmlns:a="${NS.wsa}" ${wsu} wsu:Id="${ids.message}">urn:uuid:${randomUUID()}</a:MessageID>` +
    `<a:ReplyTo xmlns:a="${NS.wsa}" ${wsu} wsu:Id="${ids.replyTo}"><a:Address>${WS_TRUST.anonymous}</a:Address></a:ReplyTo>` +
    `<a:To xmlns:a="${NS.wsa}" ${s} ${wsu} s:mustUnderstand="1" wsu:Id="${ids.to}">${escape(signing.to)}</a:To>` +
    `<o:Security xmlns:o="${NS.wsse}" ${s} ${wsu} s:mustUnderstand="1">` +
    `<wsu:Timestamp wsu:Id="${ids.ts}"><wsu:Created>${seconds(now)}</wsu:Created>` +
    `<wsu:Expires>${seconds(new Date(now.getTime() + CALL_LIFETIME_MS))}</wsu:Expires></wsu:Timestamp>` +
    signing.token.assertionXml +
    `<o:SecurityTokenReference xmlns:b="${WSSE11}" b:TokenType="${WS_TRUST.saml20}" wsu:Id="${strId}">` +
    `<o:KeyIdentifier ValueType="${SAML_ID}">${signing.token.id}</o:KeyIdentifier></o:SecurityTokenReference>` +
    `</o:Security>`;
  const fragment = new DOMParser().parseFromString(`<parts>${parts}</parts>`, 'application/xml');
  for (let node = fragment.documentElement!.firstChild; node; node = node.nextSibling)
    header.appendChild(doc.importNode(node, true));

  const key = keyObject(signing.keyPem);
  const signer = new SignedXml({
    privateKey: key,
    idMode: 'wssecurity',
    canonicalizationAlgorithm: ALGORITHMS.excC14n,
    signatureAlgorithm: ALGORITHMS.rsaSha256,
    // The key is the one the assertion confirms: named by the same reference as the token.
    getKeyInfoContent: () =>
      `<o:SecurityTokenReference xmlns:o="${NS.wsse}" xmlns:b="${WSSE11}" b:TokenType="${WS_TRUST.saml20}">` +
      `<o:KeyIdentifier ValueType="${SAML_ID}">${signing.token.id}</o:KeyIdentifier></o:SecurityTokenReference>`,
  });
  signer.CanonicalizationAlgorithms[STR_TRANSFORM] = StrTransform;
  // The value xml-crypto would compute is replaced once the parameters are in (below): skip it.
  signer.SignatureAlgorithms[ALGORITHMS.rsaSha256] = SignatureComputedLater;
  // Each part by its place in the envelope, checked by its id: an XPath over the whole document
  // per reference is most of the signing time otherwise.
  const inHeader = `/*/*[local-name(.)='Header']`;
  const security = `${inHeader}/*[local-name(.)='Security' and namespace-uri(.)='${NS.wsse}']`;
  const at = (place: string, id: string) => `${place}[@*[local-name(.)='Id' and namespace-uri(.)='${NS.wsu}']='${id}']`;
  const signed: readonly [string, string][] = [
    [`/*/*[local-name(.)='Body']`, ids.body],
    [`${inHeader}/*[local-name(.)='Action']`, ids.action],
    [`${inHeader}/*[local-name(.)='MessageID']`, ids.message],
    [`${inHeader}/*[local-name(.)='ReplyTo']`, ids.replyTo],
    [`${inHeader}/*[local-name(.)='To']`, ids.to],
    [`${security}/*[local-name(.)='Timestamp']`, ids.ts],
  ];
  for (const [place, target] of signed)
    signer.addReference({
      xpath: at(place, target),
      transforms: [ALGORITHMS.excC14n],
      digestAlgorithm: ALGORITHMS.sha256,
    });
  signer.addReference({
    xpath: at(`${security}/*[local-name(.)='SecurityTokenReference']`, strId),
    transforms: [STR_TRANSFORM],
    digestAlgorithm: ALGORITHMS.sha256,
  });
  signer.computeSignature(new XMLSerializer().serializeToString(doc), {
    prefix: 'ds',
    location: { reference: security, action: 'append' },
  });
  return withTransformationParameters(signer, signer.getSignedXml(), key);
}

/**
 * The STR-Transform must say which canonicalization it applies (WSS 1.0 §8.3:
 * `wsse:TransformationParameters/ds:CanonicalizationMethod`). xml-crypto writes a Transform with
 * its Algorithm only, so the parameters are added here and the signature value computed again
 * over the SignedInfo that now holds them (exclusive C14N by xml-crypto, RSA-SHA256 by Node).
 */
function withTransformationParameters(signer: SignedXml, signedXml: string, key: KeyObject): string {
  const doc = new DOMParser().parseFromString(signedXml, 'application/xml');
  const security = Array.from(doc.getElementsByTagNameNS(NS.wsse, 'Security'))[0]!;
  const signature = children(security, NS.ds, 'Signature')[0]!;
  const signedInfo = children(signature, NS.ds, 'SignedInfo')[0]!;
  for (const transform of Array.from(signedInfo.getElementsByTagNameNS(NS.ds, 'Transform'))) {
    if (transform.getAttribute('Algorithm') !== STR_TRANSFORM) continue;
    const parameters = doc.createElementNS(NS.wsse, 'o:TransformationParameters');
    const method = doc.createElementNS(NS.ds, 'ds:CanonicalizationMethod');
    method.setAttribute('Algorithm', ALGORITHMS.excC14n);
    parameters.appendChild(method);
    transform.appendChild(parameters);
  }
  const canonical = signer.getCanonXml([ALGORITHMS.excC14n], signedInfo as unknown as Node, {
    ancestorNamespaces: findAncestorNs(doc as unknown as Document, "//*[local-name(.)='SignedInfo']"),
  });
  const value = sign('sha256', Buffer.from(canonical, 'utf8'), key).toString('base64');
  children(signature, NS.ds, 'SignatureValue')[0]!.textContent = value;
  return new XMLSerializer().serializeToString(doc);
}
