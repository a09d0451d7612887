import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { OeirError } from '../errors.js';
import { SAML_ID, STR_TRANSFORM, StrTransform } from '../sts/call-signing.js';
import { children, countIds, NS, parseUntrustedXml, path, WS_TRUST } from '../sts/wire.js';

/** What the ØiR sandbox trusts in the token model: the STS's certificate and its own entity id. */
export interface TokenTrust {
  readonly stsCertPem: string;
  readonly audience: string;
  readonly now: () => number;
}

export type TokenCallVerdict =
  | { readonly ok: true; readonly cvr: string; readonly assertionId: string }
  | {
      readonly ok: false;
      /** WS-Security's fault codes (WSS 1.0 §12): the token, or the message's security. */
      readonly code: 'wsse:InvalidSecurityToken' | 'wsse:FailedCheck' | 'wsse:InvalidSecurity' | 'wsse:MessageExpired';
      readonly reason: string;
    };

const SKEW_MS = 60_000;

/**
 * Serviceplatformen's check of a call under the token model, as the ØiR sandbox makes it: the
 * assertion signed by the STS, current and for this service; the message signed by the key the
 * assertion confirms (holder-of-key); the signature covering Body, Action, MessageID, ReplyTo,
 * To, Timestamp and the assertion through the STR-Transform; the Timestamp current. Each signed
 * part must be the element in its place, named once (no signature wrapping).
 */
export function checkTokenCall(xml: string, trust: TokenTrust): TokenCallVerdict {
  const fail = (code: Extract<TokenCallVerdict, { ok: false }>['code'], reason: string): TokenCallVerdict => ({
    ok: false,
    code,
    reason,
  });
  let doc: Document;
  try {
    doc = parseUntrustedXml(xml, 'the call');
  } catch (error) {
    return fail('wsse:InvalidSecurity', error instanceof OeirError ? error.message : 'unreadable XML');
  }
  const envelope = doc.documentElement!;
  const soap = envelope.namespaceURI ?? '';
  const header = path(envelope, [soap, 'Header']);
  const body = path(envelope, [soap, 'Body']);
  const security = header ? path(header, [NS.wsse, 'Security']) : null;
  if (!header || !body || !security) return fail('wsse:InvalidSecurity', 'no WS-Security header');
  const assertions = children(security, NS.saml, 'Assertion');
  const timestamp = path(security, [NS.wsu, 'Timestamp']);
  const str = path(security, [NS.wsse, 'SecurityTokenReference']);
  const signature = path(security, [NS.ds, 'Signature']);
  if (assertions.length !== 1) return fail('wsse:InvalidSecurityToken', 'no SAML assertion (or more than one)');
  if (!timestamp || !str || !signature)
    return fail('wsse:InvalidSecurity', 'no Timestamp, token reference or signature');
  const assertion = assertions[0]!;
  const assertionId = assertion.getAttribute('ID') ?? '';
  if (countIds(doc, assertionId) !== 1) return fail('wsse:InvalidSecurityToken', 'the assertion’s ID is not unique');

  // The assertion: the STS's signature, over the assertion itself.
  const assertionSignature = path(assertion, [NS.ds, 'Signature']);
  if (!assertionSignature) return fail('wsse:InvalidSecurityToken', 'the assertion is not signed');
  const stsCheck = new SignedXml({ publicCert: trust.stsCertPem });
  stsCheck.loadSignature(assertionSignature as unknown as Node);
  if (!verifies(stsCheck, xml)) return fail('wsse:InvalidSecurityToken', 'the assertion’s signature does not verify');
  const assertionRefs = stsCheck.getReferences();
  if (assertionRefs.length !== 1 || assertionRefs[0]!.uri !== `#${assertionId}`)
    return fail('wsse:InvalidSecurityToken', 'the STS’s signature does not cover the assertion');

  const now = trust.now();
  const conditions = path(assertion, [NS.saml, 'Conditions']);
  const notBefore = Date.parse(conditions?.getAttribute('NotBefore') ?? '');
  const notOnOrAfter = Date.parse(conditions?.getAttribute('NotOnOrAfter') ?? '');
  if (!(notBefore <= now + SKEW_MS) || !(notOnOrAfter > now))
    return fail('wsse:InvalidSecurityToken', 'the token has expired');
  const audience = conditions
    ? path(conditions, [NS.saml, 'AudienceRestriction'], [NS.saml, 'Audience'])?.textContent?.trim()
    : undefined;
  if (audience !== trust.audience) return fail('wsse:InvalidSecurityToken', `the token is for ${audience ?? 'no one'}`);
  const confirmation = path(assertion, [NS.saml, 'Subject'], [NS.saml, 'SubjectConfirmation']);
  const keyCert = confirmation
    ? path(
        confirmation,
        [NS.saml, 'SubjectConfirmationData'],
        [NS.ds, 'KeyInfo'],
        [NS.ds, 'X509Data'],
        [NS.ds, 'X509Certificate'],
      )
    : null;
  if (confirmation?.getAttribute('Method') !== WS_TRUST.holderOfKey || !keyCert)
    return fail('wsse:InvalidSecurityToken', 'the token is not holder-of-key');
  let holderPem: string;
  try {
    holderPem = new X509Certificate(Buffer.from(keyCert.textContent?.replace(/\s+/gu, '') ?? '', 'base64')).toString();
  } catch {
    return fail('wsse:InvalidSecurityToken', 'the token’s confirmation key is not a certificate');
  }
  const cvr =
    Array.from(assertion.getElementsByTagNameNS(NS.saml, 'Attribute'))
      .find((a) => a.getAttribute('Name') === WS_TRUST.cvrClaim)
      ?.getElementsByTagNameNS(NS.saml, 'AttributeValue')
      .item(0)
      ?.textContent?.trim() ?? '';

  // The token reference: names this assertion.
  const keyIdentifier = children(str, NS.wsse, 'KeyIdentifier')[0];
  if (keyIdentifier?.getAttribute('ValueType') !== SAML_ID || keyIdentifier.textContent?.trim() !== assertionId)
    return fail('wsse:InvalidSecurityToken', 'the SecurityTokenReference does not name the assertion');

  // The message: signed by the holder's key, over what must be signed.
  const messageCheck = new SignedXml({ publicCert: holderPem, idMode: 'wssecurity' });
  messageCheck.CanonicalizationAlgorithms[STR_TRANSFORM] = StrTransform;
  messageCheck.loadSignature(signature as unknown as Node);
  if (!verifies(messageCheck, xml)) return fail('wsse:FailedCheck', 'the message signature does not verify');
  const references = messageCheck.getReferences();
  const signedIds = new Set(references.map((r) => r.uri.replace(/^#/u, '')));
  const wsuId = (element: Element | null) => element?.getAttributeNS(NS.wsu, 'Id') ?? '';
  const mustSign: readonly [string, Element | null][] = [
    ['Body', body],
    ['Action', path(header, [NS.wsa, 'Action'])],
    ['MessageID', path(header, [NS.wsa, 'MessageID'])],
    ['ReplyTo', path(header, [NS.wsa, 'ReplyTo'])],
    ['To', path(header, [NS.wsa, 'To'])],
    ['Timestamp', timestamp],
  ];
  for (const [name, element] of mustSign) {
    const id = wsuId(element);
    if (!element || !id || !signedIds.has(id) || countIds(doc, id) !== 1)
      return fail('wsse:FailedCheck', `the signature does not cover the ${name}`);
  }
  const strReference = references.find((r) => r.uri === `#${wsuId(str)}`);
  if (!strReference || !strReference.transforms.includes(STR_TRANSFORM) || countIds(doc, wsuId(str)) !== 1)
    return fail('wsse:FailedCheck', 'the signature does not cover the token through the STR-Transform');
  const keyInfoId = signature
    .getElementsByTagNameNS(NS.ds, 'KeyInfo')
    .item(0)
    ?.getElementsByTagNameNS(NS.wsse, 'KeyIdentifier')
    .item(0)
    ?.textContent?.trim();
  if (keyInfoId !== assertionId) return fail('wsse:FailedCheck', 'the signature’s key is not the token’s');

  const created = Date.parse(path(timestamp, [NS.wsu, 'Created'])?.textContent ?? '');
  const expires = Date.parse(path(timestamp, [NS.wsu, 'Expires'])?.textContent ?? '');
  if (!(created <= now + SKEW_MS) || !(expires > now - SKEW_MS))
    return fail('wsse:MessageExpired', 'the message has expired');
  return { ok: true, cvr, assertionId };
}

function verifies(check: SignedXml, xml: string): boolean {
  try {
    return check.checkSignature(xml);
  } catch {
    return false;
  }
}
