import { Agent, request } from 'undici';
import { SANDBOX_CLIENT } from '../integrations/fbs/sandbox/seed.js';

/**
 * The baseline for every FBS figure: the calls our client makes to identify a borrower
 * (authenticate, then patron and fees in parallel), made bare with undici on one logged-in
 * session — no mapping, no validation, no retries.
 */
export async function bareFbsIdentify(
  baseUrl: string,
): Promise<{ identify(card: string, pin: string): Promise<void>; close(): Promise<void> }> {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  const { username, password, agencyId } = SANDBOX_CLIENT;
  const call = async (method: 'GET' | 'POST', path: string, session: string | null, body?: unknown) => {
    const res = await request(`${baseUrl}${path}`, {
      method,
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(session ? { 'x-session': session } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return JSON.parse(await res.body.text()) as Record<string, unknown>;
  };
  const { sessionKey } = (await call('POST', `/external/v1/${agencyId}/authentication/login`, null, {
    username,
    password,
  })) as { sessionKey: string };
  return {
    async identify(card, pin) {
      const { patronId } = (await call('POST', `/external/${agencyId}/patrons/authenticate/v9`, sessionKey, {
        libraryCardNumber: card,
        pincode: pin,
      })) as { patronId: number };
      await Promise.all([
        call('GET', `/external/${agencyId}/patrons/${patronId}/v4`, sessionKey),
        call(
          'GET',
          `/external/${agencyId}/patron/${patronId}/fees/v2?includepaid=false&includenonpayable=true`,
          sessionKey,
        ),
      ]);
    },
    close: () => agent.close(),
  };
}
