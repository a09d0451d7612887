import { z } from 'zod';
import { UnconfirmedDebtorPolicy } from '../../contract/index.js';

/** The ØiR connection (KOMBIT's DebitorIndbetaling via Serviceplatformen) and the debtor-route policy. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
/** A UUID setting, empty until it is needed. */
const optionalUuid = (text: string) =>
  z
    .union([z.literal(''), z.uuid()])
    .default('')
    .describe(text);

export const OeirConfig = z
  .object({
    environment: z
      .enum(['sandbox', 'exttest', 'prod'])
      .default('sandbox')
      .describe("`sandbox` starts the built-in ØiR sandbox (demo); `exttest` and `prod` are Serviceplatformen's."),
    endpoint: z
      .union([z.literal(''), z.url({ protocol: /^https$/ })])
      .default('')
      .describe("Overrides the environment's endpoint (the exact path comes with the integration package)."),
    wsdlPath: z.string().default('').describe("The service's WSDL; empty: the modelled one shipped with the kiosk."),
    certificatePath: z.string().default('').describe('The organisation certificate (FOCES/OCES3) as a PKCS#12 file.'),
    certificatePassword: z
      .string()
      .default('')
      .describe(
        "The PKCS#12 file's password (set with `kiosk config set oeir.certificatePassword`, stored encrypted; never logged).",
      ),
    caPath: z
      .string()
      .default('')
      .describe("Extra CA (PEM) to trust for Serviceplatformen's server certificate; empty: the system's."),
    security: z
      .enum(['certificate', 'token'])
      .default('certificate')
      .describe(
        "How calls are secured, as the municipality's service agreement says: `certificate` — mutual TLS with the organisation certificate and the context (`context`) in each call; `token` — a SAML token from KOMBIT's STS (asked for with the certificate, reused for 8 hours) in each call, which is signed with the certificate's key (WS-Security).",
      ),
    sts: z
      .object({
        endpoint: z
          .union([z.literal(''), z.url({ protocol: /^https$/ })])
          .default('')
          .describe("Overrides the address of KOMBIT's STS for the environment (token model)."),
        appliesTo: z
          .string()
          .min(1)
          .max(300)
          .default('http://entityid.kombit.dk/service/oir/debitorindbetaling/1')
          .describe(
            "The service's entity id the token is asked for (AppliesTo; from the service's integration package — the default is modelled).",
          ),
      })
      .strict()
      .prefault({})
      .describe('The token model: where the kiosk gets its token.'),
    context: z
      .enum(['authority', 'invocation'])
      .default('authority')
      .describe('Security model: AuthorityContext (municipality CVR) or InvocationContext (service agreement).'),
    municipalityCvr: z
      .union([z.literal(''), z.string().regex(/^\d{8}$/, 'a CVR number has 8 digits')])
      .default('')
      .describe("The municipality's CVR number, for the authority context."),
    invocation: z
      .object({
        serviceAgreementUuid: optionalUuid("Serviceplatformen's service agreement UUID (invocation context)."),
        userSystemUuid: optionalUuid("The user system's UUID (invocation context)."),
        userUuid: optionalUuid("The user's UUID (invocation context)."),
        serviceUuid: optionalUuid("The DebitorIndbetaling service's UUID (invocation context)."),
      })
      .strict()
      .prefault({})
      .describe('InvocationContext identifiers, used when `context` is `invocation`.'),
    timeoutMs: z.number().int().min(500).max(120_000).default(15_000).describe('How long one ØiR call may take.'),
    offlinePolicy: UnconfirmedDebtorPolicy.default('counter-only').describe(
      'Debtor-route claims the debtor system cannot confirm as still open (ØiR unreachable): `counter-only` charges them only at the counter (staff present), `refuse` never, `accept-and-queue` always (the registration waits in the outbox). Read docs/architecture.md, "Never charged twice", before changing it.',
    ),
    cutOffDate: z
      .union([z.literal(''), z.iso.date()])
      .default('')
      .describe(
        "The municipality's cut-off date (skæringsdato) for the debtor integration, YYYY-MM-DD. Fees FBS created on or after it live in the debtor system too and can only be paid there (FBS marks them not payable by the client); older fees live in FBS only, so an older one FBS marks not payable is not payable for some other reason (KOMBIT's webinar on the debtor integration, 'Betalingsmuligheder efter idriftsættelse'). `accept-and-queue` charges an unconfirmed debtor-route claim only when it was created on or after this date; it cannot be chosen without it.",
      ),
    confirmationValidMinutes: z
      .number()
      .int()
      .min(0)
      .max(60)
      .default(10)
      .describe(
        'A claim the debtor system confirmed open this recently still counts as confirmed when it is unreachable.',
      ),
    breaker: z
      .object({
        failuresToOpen: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe('Failures in a row after which the ØiR link counts as offline…'),
        halfOpenAfterMs: z
          .number()
          .int()
          .min(100)
          .max(3_600_000)
          .default(30_000)
          .describe('…and how long it waits before trying again.'),
      })
      .strict()
      .prefault({}),
    place: z
      .string()
      .max(100)
      .default('')
      .describe('Where payments are taken, sent with each payment (e.g. "Hovedbiblioteket, kiosk 1").'),
  })
  .strict()
  .refine((o) => o.security !== 'token' || o.environment === 'sandbox' || o.municipalityCvr !== '', {
    message: "the token model needs oeir.municipalityCvr: the token is asked for on the municipality's behalf",
    path: ['municipalityCvr'],
  })
  .refine((o) => o.offlinePolicy !== 'accept-and-queue' || o.cutOffDate !== '', {
    message:
      'accept-and-queue needs oeir.cutOffDate: only claims created on or after the cut-off date are known to live in the debtor system',
    path: ['cutOffDate'],
  });
export type OeirConfig = z.infer<typeof OeirConfig>;
