import { z } from 'zod';
import { UnconfirmedDebtorPolicy } from '../../contract/index.js';

/** The ØiR connection (KOMBIT's DebitorIndbetaling via Serviceplatformen) and the debtor-route policy. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const OeirConfig = z
  .object({
    /** `sandbox` starts the built-in ØiR sandbox (demo); `exttest` and `prod` are Serviceplatformen's. */
    environment: z.enum(['sandbox', 'exttest', 'prod']).default('sandbox'),
    /** Overrides the environment's endpoint (the exact path comes with the integration package). */
    endpoint: z.union([z.literal(''), z.url({ protocol: /^https$/ })]).default(''),
    /** The service's WSDL; empty: the modelled one shipped with the kiosk. */
    wsdlPath: z.string().default(''),
    /** The organisation certificate (FOCES/OCES3) as a PKCS#12 file, and its password. */
    certificatePath: z.string().default(''),
    certificatePassword: z.string().default(''),
    /** Extra CA (PEM) to trust for Serviceplatformen's server certificate; empty: the system's. */
    caPath: z.string().default(''),
    /** Security model: AuthorityContext (municipality CVR) or InvocationContext (service agreement). */
    context: z.enum(['authority', 'invocation']).default('authority'),
    municipalityCvr: z.union([z.literal(''), z.string().regex(/^\d{8}$/, 'a CVR number has 8 digits')]).default(''),
    invocation: z
      .object({
        serviceAgreementUuid: z.union([z.literal(''), z.uuid()]).default(''),
        userSystemUuid: z.union([z.literal(''), z.uuid()]).default(''),
        userUuid: z.union([z.literal(''), z.uuid()]).default(''),
        serviceUuid: z.union([z.literal(''), z.uuid()]).default(''),
      })
      .strict()
      .prefault({}),
    timeoutMs: z.number().int().min(500).max(120_000).default(15_000),
    /**
     * Debtor-route claims the debtor system cannot confirm as still open (ØiR unreachable):
     * `counter-only` charges them only at the counter (staff present), `refuse` never,
     * `accept-and-queue` always (the registration waits in the outbox). Read the README first.
     */
    offlinePolicy: UnconfirmedDebtorPolicy.default('counter-only'),
    /** A claim the debtor system confirmed open this recently still counts as confirmed when it is unreachable. */
    confirmationValidMinutes: z.number().int().min(0).max(60).default(10),
    breaker: z
      .object({
        failuresToOpen: z.number().int().min(1).max(100).default(5),
        halfOpenAfterMs: z.number().int().min(100).max(3_600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    /** Where payments are taken, sent with each payment (e.g. "Hovedbiblioteket, kiosk 1"). */
    place: z.string().max(100).default(''),
  })
  .strict();
export type OeirConfig = z.infer<typeof OeirConfig>;
