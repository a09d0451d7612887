import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../base/sandbox-pki.js';
import { SAML_ID, signCall, STR_TRANSFORM, WSSE11 } from '../../integrations/oeir/sts/call-signing.js';
import { buildIssueRequest, NS, parseUntrustedXml, WS_TRUST, type StsToken } from '../../integrations/oeir/sts/wire.js';

/**
 * The kiosk's WS-Trust Issue request against a production client's: itk-dev/serviceplatformen's
 * template (tests/fixtures/kombit-sts/SOURCE.md). Same elements in the same namespaces, the same
 * attributes with the same fixed values, the same signed parts, algorithms and key reference —
 * so the request the STS gets from the kiosk is the one it already takes from Aarhus's client.
 */
const template = readFileSync(
  new URL('../fixtures/kombit-sts/itk-dev-SAMLTokenSoapTemplate.xml', import.meta.url),
  'utf8',
).replace(/^<\?xml[^>]*>\s*/u, '');

const ca = createCertificateAuthority('shape test');
const org = ca.issue({ commonName: 'Kommune', serialNumberAttribute: 'CVR:29189846-FID:1' });
const ours = buildIssueRequest({
  endpoint: 'https://adgangsstyring.eksterntest-stoettesystemerne.dk/runtime/services/kombittrust/14/certificatemixed',
  appliesTo: 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1',
  cvr: '29189846',
  certPem: org.certPem,
  keyPem: org.keyPem,
}).xml;

const ID_ATTRIBUTES = new Set(['Id', 'URI']);

interface Shape {
  /** Every element path, `{namespace}name/…`, with its attributes and their fixed values. */
  readonly elements: Set<string>;
  /** What each signature reference points at: the element's `{namespace}name`. */
  readonly signed: Set<string>;
  readonly algorithms: Set<string>;
}

function shapeOf(xml: string): Shape {
  const doc = parseUntrustedXml(xml, 'test');
  const elements = new Set<string>();
  const byId = new Map<string, string>();
  const algorithms = new Set<string>();
  const walk = (element: Element, parent: string): void => {
    const name = `{${element.namespaceURI ?? ''}}${element.localName}`;
    const at = `${parent}/${name}`;
    const attributes: string[] = [];
    for (let i = 0; i < element.attributes.length; i++) {
      const a = element.attributes.item(i)!;
      if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
      if (a.localName === 'Id') byId.set(a.value, name);
      if (a.localName === 'Algorithm') algorithms.add(a.value);
      // Ids and references differ per message; the rest are the protocol's fixed values.
      attributes.push(ID_ATTRIBUTES.has(a.localName ?? '') ? `@${a.localName}` : `@${a.localName}=${a.value}`);
    }
    elements.add(`${at}[${attributes.sort().join(' ')}]`);
    for (let child = element.firstChild; child; child = child.nextSibling)
      if (child.nodeType === 1) walk(child as Element, at);
  };
  walk(doc.documentElement!, '');
  const signed = new Set<string>();
  const references = doc.getElementsByTagNameNS(NS.ds, 'Reference');
  for (let i = 0; i < references.length; i++)
    signed.add(byId.get(references.item(i)!.getAttribute('URI')!.replace(/^#/u, '')) ?? 'unresolved');
  return { elements, signed, algorithms };
}

describe("the kiosk's STS request has a production client's shape", () => {
  const theirs = shapeOf(template);
  const mine = shapeOf(ours);

  it('signs the same parts with the same algorithms', () => {
    expect([...mine.signed].sort()).toEqual([...theirs.signed].sort());
    expect(theirs.signed.size).toBe(7);
    expect([...mine.algorithms].sort()).toEqual([...theirs.algorithms].sort());
  });

  it('has the same elements, namespaces and fixed attribute values', () => {
    // The template names its Signature and KeyInfo (`Id="signature_id"`, `Id="key_info_id"`) and
    // its KeyInfo's reference (`wsu:Id`); nothing refers to them, and xml-crypto does not add them.
    const unnamed = (set: Set<string>) =>
      [...set]
        .map((e) =>
          e
            .replace(/\[@Id\]$/u, '[]')
            .replace(/@Id ?/u, '')
            .replace(/ \]$/u, ']'),
        )
        .sort();
    expect(unnamed(mine.elements)).toEqual(unnamed(theirs.elements));
  });
});

/**
 * A signed call's header against itk-dev/serviceplatformen's `SF1500XMLBuilder.php`
 * (`buildHeaderXML`, `buildSignedRequest`): the header's parts in its order, the token reference
 * as it writes it, and the signed parts in its order (`$referenceIds`), the last through the
 * STR-Transform with exclusive C14N as its TransformationParameters.
 */
describe("a signed call's header has a production client's shape", () => {
  const sts = stsAssertionForShape();
  const signed = signCall(
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>',
    { token: sts, keyPem: org.keyPem, action: 'urn:action', to: 'https://service' },
  );
  const doc = parseUntrustedXml(signed, 'test');
  const header = Array.from(doc.documentElement!.childNodes).find(
    (n) => (n as Element).localName === 'Header',
  ) as Element;
  const names = (parent: Element) =>
    Array.from(parent.childNodes)
      .filter((n) => n.nodeType === 1)
      .map((n) => `{${(n as Element).namespaceURI}}${(n as Element).localName}`);

  it('puts Framework, Action, RequestHeader, MessageID, ReplyTo, To and Security in that order', () => {
    expect(names(header)).toEqual([
      '{urn:liberty:sb:2006-08}Framework',
      `{${NS.wsa}}Action`,
      '{http://kombit.dk/xml/schemas/RequestHeader/1/}RequestHeader',
      `{${NS.wsa}}MessageID`,
      `{${NS.wsa}}ReplyTo`,
      `{${NS.wsa}}To`,
      `{${NS.wsse}}Security`,
    ]);
    const security = header.getElementsByTagNameNS(NS.wsse, 'Security').item(0)!;
    expect(names(security)).toEqual([
      `{${NS.wsu}}Timestamp`,
      `{${NS.saml}}Assertion`,
      `{${NS.wsse}}SecurityTokenReference`,
      `{${NS.ds}}Signature`,
    ]);
    const str = security.getElementsByTagNameNS(NS.wsse, 'SecurityTokenReference').item(0)!;
    expect(str.getAttributeNS(WSSE11, 'TokenType')).toBe(WS_TRUST.saml20);
    const keyId = str.getElementsByTagNameNS(NS.wsse, 'KeyIdentifier').item(0)!;
    expect([keyId.getAttribute('ValueType'), keyId.textContent]).toEqual([SAML_ID, sts.id]);
  });

  it('signs Body, Action, MessageID, ReplyTo, To, Timestamp and the token reference, in that order', () => {
    const byId = new Map<string, string>();
    for (const element of Array.from(doc.getElementsByTagName('*'))) {
      const id = element.getAttributeNS(NS.wsu, 'Id');
      if (id) byId.set(id, element.localName);
    }
    const references = Array.from(
      doc
        .getElementsByTagNameNS(NS.ds, 'SignedInfo')
        .item(doc.getElementsByTagNameNS(NS.ds, 'SignedInfo').length - 1)!
        .getElementsByTagNameNS(NS.ds, 'Reference'),
    );
    expect(references.map((r) => byId.get(r.getAttribute('URI')!.slice(1)))).toEqual([
      'Body',
      'Action',
      'MessageID',
      'ReplyTo',
      'To',
      'Timestamp',
      'SecurityTokenReference',
    ]);
    const strTransform = references.at(-1)!.getElementsByTagNameNS(NS.ds, 'Transform').item(0)!;
    expect(strTransform.getAttribute('Algorithm')).toBe(STR_TRANSFORM);
    expect(
      strTransform
        .getElementsByTagNameNS(NS.wsse, 'TransformationParameters')
        .item(0)
        ?.getElementsByTagNameNS(NS.ds, 'CanonicalizationMethod')
        .item(0)
        ?.getAttribute('Algorithm'),
    ).toBe('http://www.w3.org/2001/10/xml-exc-c14n#');
  });
});

/** An assertion of the STS sandbox's shape, for the header test (its signature is not checked here). */
function stsAssertionForShape(): StsToken {
  const id = '_shape-test';
  return {
    id,
    assertionXml: `<saml:Assertion xmlns:saml="${NS.saml}" ID="${id}" Version="2.0"><saml:Issuer>sts</saml:Issuer></saml:Assertion>`,
    notBefore: new Date(),
    notOnOrAfter: new Date(Date.now() + 3_600_000),
    audience: 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1',
  };
}
