import { afterEach, describe, expect, it } from 'vitest';
import { OeirError } from '../../integrations/oeir/errors.js';
import { StsTokenProvider } from '../../integrations/oeir/sts/token-provider.js';
import { buildIssueRequest, NS, readIssueAnswer, StsRefusedError } from '../../integrations/oeir/sts/wire.js';
import { TOKEN_LIFETIME_MS } from '../../integrations/oeir/sandbox/sts.js';
import { memoryLogger } from '../support/fixtures.js';
import { CVR, organisation, SERVICE, serialOf, stsWorld } from '../support/sts-fixture.js';
import { xmlsecVerify } from '../support/xmlsec.js';

/**
 * The kiosk's token from KOMBIT's STS, against the STS sandbox over a real socket: asked for once
 * and reused, shared by callers waiting at once, renewed before its end; refusals remembered (no
 * loop), an STS that cannot be reached a transient fault. xmlsec1 — an implementation independent
 * of xml-crypto — verifies the request's signature and the assertion's.
 */
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function started(world = stsWorld()) {
  const url = await world.sandbox.start();
  closers.push(() => world.sandbox.close());
  return { ...world, url };
}

function providerFor(
  world: Awaited<ReturnType<typeof started>>,
  overrides: Partial<ConstructorParameters<typeof StsTokenProvider>[0]> = {},
) {
  const provider = new StsTokenProvider({
    endpoint: world.url,
    appliesTo: SERVICE,
    cvr: CVR,
    certificate: world.certificate,
    timeoutMs: 2_000,
    // The kiosk's clock and the STS's move together in these tests.
    now: () => world.sandbox.now(),
    log: memoryLogger().log,
    ...overrides,
  });
  closers.push(() => provider.close());
  return provider;
}

const WSU_IDS: readonly (readonly [string, string, string])[] = [
  ['Id', NS.wsu, 'Timestamp'],
  ['Id', NS.soap12, 'Body'],
  ['Id', NS.wsse, 'BinarySecurityToken'],
  ['Id', NS.wsa, 'To'],
  ['Id', NS.wsa, 'ReplyTo'],
  ['Id', NS.wsa, 'MessageID'],
  ['Id', NS.wsa, 'Action'],
];
const ASSERTION_ID: readonly (readonly [string, string, string])[] = [['ID', NS.saml, 'Assertion']];

describe('the STS token', () => {
  it('is asked for once, shared by callers waiting at once, reused, and renewed before its end', async () => {
    const world = await started();
    const provider = providerFor(world);
    const first = await Promise.all([provider.token(), provider.token(), provider.token()]);
    expect(new Set(first.map((t) => t.id)).size).toBe(1);
    expect(provider.requests).toBe(1);
    const token = first[0]!;
    expect(token).toMatchObject({ audience: SERVICE });
    expect(token.notOnOrAfter.getTime() - world.sandbox.now()).toBeGreaterThan(TOKEN_LIFETIME_MS - 60_000);
    expect(world.sandbox.issued).toEqual([expect.objectContaining({ id: token.id, cvr: CVR, audience: SERVICE })]);

    // Hours later, still valid: the same token, the STS not asked.
    world.sandbox.advanceClock(7 * 60 * 60_000);
    expect((await provider.token()).id).toBe(token.id);
    expect(provider.requests).toBe(1);
    // Within the last 15 minutes: a new one.
    world.sandbox.advanceClock(50 * 60_000);
    const renewed = await provider.token();
    expect(renewed.id).not.toBe(token.id);
    expect(provider.requests).toBe(2);
    expect(provider.status()).toMatchObject({ state: 'valid', audience: SERVICE });

    // The platform refused a call for it: the next caller gets a new one.
    provider.invalidate(renewed);
    expect((await provider.token()).id).not.toBe(renewed.id);
    expect(provider.requests).toBe(3);
  });

  it('xmlsec1 verifies the request’s signature and the assertion’s; a tampered copy fails both', async () => {
    const world = await started();
    const token = await providerFor(world).token();
    const request = world.sandbox.requests[0]!;
    const verifiedRequest = xmlsecVerify(request, { certPem: world.kiosk.certPem, ids: WSU_IDS });
    expect(verifiedRequest.output).toContain('SignedInfo References (ok/all): 7/7');
    expect(verifiedRequest.ok).toBe(true);
    // The assertion as the kiosk will put it into every call: its signature and the STS's
    // certificate in its KeyInfo, trusted through the authority.
    const verifiedAssertion = xmlsecVerify(token.assertionXml, { trustedCaPem: world.ca.certPem, ids: ASSERTION_ID });
    expect(verifiedAssertion.ok).toBe(true);
    expect(verifiedAssertion.output).toContain('SignedInfo References (ok/all): 1/1');

    const tamperedRequest = request.replace(`<Value>${CVR}</Value>`, '<Value>12345678</Value>');
    expect(tamperedRequest).not.toBe(request);
    expect(xmlsecVerify(tamperedRequest, { certPem: world.kiosk.certPem, ids: WSU_IDS }).ok).toBe(false);
    const tamperedAssertion = token.assertionXml.replace(SERVICE, 'http://entityid.kombit.dk/service/other/1');
    expect(xmlsecVerify(tamperedAssertion, { trustedCaPem: world.ca.certPem, ids: ASSERTION_ID }).ok).toBe(false);
  });

  it('the sandbox refuses unsigned, tampered, wrongly signed, stale and unauthorised requests', async () => {
    const world = await started();
    const post = async (xml: string) => {
      const response = await fetch(world.url, {
        method: 'POST',
        body: xml,
        headers: { 'content-type': 'application/soap+xml' },
      });
      const text = await response.text();
      try {
        readIssueAnswer(text);
        return 'issued';
      } catch (error) {
        return error instanceof StsRefusedError ? error.code : `other: ${(error as Error).message}`;
      }
    };
    const request = (overrides: Partial<Parameters<typeof buildIssueRequest>[0]> = {}) =>
      buildIssueRequest({
        endpoint: world.url,
        appliesTo: SERVICE,
        cvr: CVR,
        certPem: world.kiosk.certPem,
        keyPem: world.kiosk.keyPem,
        now: new Date(world.sandbox.now()),
        ...overrides,
      }).xml;

    expect(await post(request())).toBe('issued');
    // Unsigned: the signature taken out.
    expect(await post(request().replace(/<ds:Signature[\s\S]*<\/ds:Signature>/u, ''))).toBe(
      's:Sender wst:FailedAuthentication',
    );
    // Tampered after signing: another municipality.
    expect(await post(request().replace(`<Value>${CVR}</Value>`, '<Value>12345678</Value>'))).toBe(
      's:Sender wst:FailedAuthentication',
    );
    // Signed with another key than the certificate it carries.
    const stranger = world.ca.issue({ commonName: 'Stranger' });
    expect(await post(request({ keyPem: stranger.keyPem }))).toBe('s:Sender wst:FailedAuthentication');
    // A certificate with no service agreement, and one from another authority.
    expect(await post(request({ certPem: stranger.certPem, keyPem: stranger.keyPem }))).toBe(
      's:Sender wst:FailedAuthentication',
    );
    const foreign = stsWorld().kiosk;
    expect(await post(request({ certPem: foreign.certPem, keyPem: foreign.keyPem }))).toBe(
      's:Sender wst:FailedAuthentication',
    );
    // Another CVR than the agreement's, signed properly; an unknown service.
    expect(await post(request({ cvr: '12345678' }))).toBe('s:Sender wst:FailedAuthentication');
    expect(await post(request({ appliesTo: 'http://entityid.kombit.dk/service/unknown/1' }))).toBe(
      's:Sender wst:InvalidRequest',
    );
    // A request made an hour ago (its Timestamp expired after five minutes).
    expect(await post(request({ now: new Date(world.sandbox.now() - 60 * 60_000) }))).toBe(
      's:Sender wst:InvalidSecurity',
    );
    // Hostile XML never reaches a parser's DTD handling.
    expect(await post(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${request()}`)).toBe(
      's:Sender wst:InvalidRequest',
    );
    expect(world.sandbox.issued).toHaveLength(1);
    expect(world.sandbox.refusals).toHaveLength(9);
  });

  it('a refusal is a configuration fault: remembered, and the STS is not asked again in a loop', async () => {
    const world = await started();
    const unregistered = world.ca.issue({
      commonName: 'Kiosk without agreement',
      serialNumberAttribute: `CVR:${CVR}-FID:2`,
    });
    const provider = providerFor(world, { certificate: organisation(unregistered, world.ca.certPem) });
    await expect(provider.token()).rejects.toBeInstanceOf(StsRefusedError);
    await expect(provider.token()).rejects.toThrow(/no service agreement/u);
    expect(provider.requests).toBe(1);
    expect(provider.status()).toMatchObject({
      state: 'refused',
      detail: expect.stringContaining('no service agreement') as unknown,
    });
    // Once the pause is over it asks again (a technician may have fixed the agreement).
    world.sandbox.advanceClock(16 * 60_000);
    await expect(provider.token()).rejects.toBeInstanceOf(StsRefusedError);
    expect(provider.requests).toBe(2);
    expect(serialOf(unregistered)).not.toBe(serialOf(world.kiosk));
  });

  it('an STS that cannot be reached is a transient fault; the token comes once it answers', async () => {
    const world = await started();
    const provider = providerFor(world);
    world.sandbox.setFaults({ status: { code: 503, times: 1 } });
    const down = await provider.token().catch((error: unknown) => error);
    expect(down).toBeInstanceOf(OeirError);
    expect(down).toMatchObject({ kind: 'transport' });
    expect(provider.status()).toMatchObject({ state: 'failing' });
    world.sandbox.setFaults({ hang: true });
    const hung = providerFor(world, { timeoutMs: 300 });
    await expect(hung.token()).rejects.toMatchObject({ kind: 'transport' });
    world.sandbox.setFaults({});
    expect((await provider.token()).audience).toBe(SERVICE);
    expect(provider.status()).toMatchObject({ state: 'valid' });
  });

  it('reads no answer with a DOCTYPE, and none without an assertion', () => {
    expect(() => readIssueAnswer('<!DOCTYPE x [<!ENTITY a "b">]><x/>')).toThrow(/DOCTYPE/u);
    expect(() =>
      readIssueAnswer(`<s:Envelope xmlns:s="${NS.soap12}"><s:Body><nothing/></s:Body></s:Envelope>`),
    ).toThrow(/no SAML 2.0 assertion/u);
  });
});
