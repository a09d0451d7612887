import { Ajv, type ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MobilePayPayments } from '../../integrations/mobilepay/client.js';
import { MobilePaySandbox, type RecordedExchange } from '../../integrations/mobilepay/sandbox/server.js';
import { QR_LIFETIME_MS } from '../../integrations/mobilepay/wire.js';
import { memoryLogger } from '../support/fixtures.js';
import { mobilePayFor, startPayment } from '../support/mobilepay.js';

/**
 * Vipps MobilePay's own OpenAPI description of the ePayment API (tests/fixtures/vipps/) as the
 * referee, both directions: every request our client sent (headers and body) and every answer the
 * sandbox gave, validated against the operation it belongs to — and requests the spec forbids
 * sent to the sandbox, which must refuse them (a sandbox that takes what the API refuses would
 * hide a client's mistake).
 */
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: object;
}
interface Operation {
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation | (Parameter | { $ref: string })[]>>;
  components: {
    parameters: Record<string, Parameter>;
    responses: Record<string, { content?: Record<string, { schema: object }> }>;
    schemas: Record<string, { required?: string[] }>;
  };
}

const spec = yaml.load(readFileSync(new URL('../fixtures/vipps/epayment.v1.yml', import.meta.url), 'utf8')) as Spec;
// The spec's one slip (see SOURCE.md): PaymentEvent requires `paymentAction`, which it does not define.
spec.components.schemas.PaymentEvent!.required = spec.components.schemas.PaymentEvent!.required!.filter(
  (r) => r !== 'paymentAction',
);
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(spec as object, 'spec');
const validators = new Map<string, ValidateFunction>();
function validatorFor(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let v = validators.get(key);
  if (!v) {
    // Resolve `#/…` references against the spec document.
    v = ajv.compile(JSON.parse(key.replaceAll('"#/', '"spec#/')) as object);
    validators.set(key, v);
  }
  return v;
}

const deref = <T>(item: T | { $ref: string }): T =>
  '$ref' in (item as object)
    ? (((item as { $ref: string }).$ref.replace('#/', '').split('/') as string[]).reduce<unknown>(
        (node, part) => (node as Record<string, unknown>)[part],
        spec,
      ) as T)
    : (item as T);

/** The spec's operation for a recorded call, and its path's parameters. */
function operationOf(method: string, path: string): { operation: Operation; parameters: Parameter[] } | null {
  for (const [template, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/gu, '[^/]+')}$`, 'u');
    if (!pattern.test(path)) continue;
    const operation = item[method.toLowerCase()] as Operation | undefined;
    if (!operation) continue;
    const shared = ((item.parameters ?? []) as (Parameter | { $ref: string })[]).map(deref<Parameter>);
    return { operation, parameters: [...shared, ...(operation.parameters ?? []).map(deref<Parameter>)] };
  }
  return null;
}

function problemsWith(exchange: RecordedExchange): string[] {
  const found = operationOf(exchange.method, exchange.path);
  if (!found) return [`${exchange.method} ${exchange.path}: no such operation in the spec`];
  const problems: string[] = [];
  const where = `${exchange.method} ${exchange.path}`;
  for (const p of found.parameters.filter((p) => p.in === 'header')) {
    const value = exchange.headers[p.name.toLowerCase()];
    if (value === undefined) {
      if (p.required) problems.push(`${where}: header ${p.name} missing`);
      continue;
    }
    const v = validatorFor(p.schema);
    if (!v(value)) problems.push(`${where}: header ${p.name}=${value}: ${ajv.errorsText(v.errors)}`);
  }
  const bodySchema = found.operation.requestBody?.content['application/json']?.schema;
  if (bodySchema) {
    const v = validatorFor(bodySchema);
    if (!v(JSON.parse(exchange.body))) problems.push(`${where} request: ${ajv.errorsText(v.errors)}`);
  }
  const response = found.operation.responses[String(exchange.status)];
  if (!response) return [...problems, `${where}: status ${exchange.status} is not among the spec's answers`];
  const content = deref(response).content;
  const answerSchema = content && Object.values(content)[0]?.schema;
  if (answerSchema) {
    const v = validatorFor(answerSchema);
    if (!v(exchange.answer)) problems.push(`${where} answer ${exchange.status}: ${ajv.errorsText(v.errors)}`);
  }
  return problems;
}

let sandbox: MobilePaySandbox;
let client: MobilePayPayments;

beforeAll(async () => {
  sandbox = new MobilePaySandbox({ record: true });
  await sandbox.start();
  client = mobilePayFor(sandbox, { log: memoryLogger().log });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

describe('the ePayment API as Vipps MobilePay describes it', () => {
  it('every request the client sends and every answer the sandbox gives fits the spec', async () => {
    const approved = startPayment(client, 8550);
    await approved.shown;
    sandbox.approve(approved.paymentId);
    await approved.result;
    await client.reverse({
      paymentId: approved.paymentId,
      transactionRef: '',
      transactionTime: new Date().toISOString(),
      amountOre: 8550,
    });
    const rejected = startPayment(client, 1000);
    await rejected.shown;
    sandbox.reject(rejected.paymentId);
    await rejected.result;
    const cancelled = startPayment(client, 1000);
    await cancelled.shown;
    await client.abort(cancelled.paymentId);
    await cancelled.result;
    const expired = startPayment(client, 1000);
    await expired.shown;
    sandbox.advanceClock(QR_LIFETIME_MS + 1_000);
    await expired.result;
    await client.status({ paymentId: 'x', requestRef: '00000000-0000-4000-8000-000000000000' });

    const api = sandbox.exchanges.filter((e) => e.path !== '/accesstoken/get'); // a separate API
    const operations = new Set(api.map((e) => operationOf(e.method, e.path) && e.path.split('/').at(-1)));
    expect(api.length).toBeGreaterThan(10);
    expect(operations).toContain('capture');
    expect(operations).toContain('cancel');
    expect(operations).toContain('refund');
    expect(api.flatMap(problemsWith).filter((p) => !p.includes('status 404'))).toEqual([]);
  });

  it('the sandbox refuses what the spec forbids, as the API would', async () => {
    const agent = new Agent({ connect: { ca: sandbox.caPem } });
    try {
      const base = {
        'ocp-apim-subscription-key': sandbox.subscriptionKey,
        'merchant-serial-number': sandbox.merchantSerialNumber,
      };
      const tokenAnswer = await request(`${sandbox.url}/accesstoken/get`, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...base, client_id: sandbox.clientId, client_secret: sandbox.clientSecret },
      });
      const { access_token } = (await tokenAnswer.body.json()) as { access_token: string };
      const headers = { ...base, authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
      const good = {
        amount: { currency: 'DKK', value: 1000 },
        paymentMethod: { type: 'WALLET' },
        reference: 'ref-forbidden-0001',
        userFlow: 'QR',
        qrFormat: { format: 'TEXT/TARGETURL' },
        customerInteraction: 'CUSTOMER_PRESENT',
        paymentDescription: 'Gebyrer',
      };
      const forbidden: [string, object, Record<string, string>][] = [
        ['a reference shorter than 8', { ...good, reference: 'short' }, { 'idempotency-key': 'k1' }],
        ['a reference with a slash', { ...good, reference: 'ref/forbidden' }, { 'idempotency-key': 'k2' }],
        ['a negative amount', { ...good, amount: { currency: 'DKK', value: -1 } }, { 'idempotency-key': 'k3' }],
        ['an unknown userFlow', { ...good, userFlow: 'TELEPATHY' }, { 'idempotency-key': 'k4' }],
        ['no Idempotency-Key', good, {}],
        ['an Idempotency-Key over 50', good, { 'idempotency-key': 'k'.repeat(51) }],
        ['no paymentMethod', { ...good, paymentMethod: undefined }, { 'idempotency-key': 'k5' }],
      ];
      for (const [what, body, extra] of forbidden) {
        const response = await request(`${sandbox.url}/epayment/v1/payments`, {
          method: 'POST',
          dispatcher: agent,
          headers: { ...headers, ...extra },
          body: JSON.stringify(body),
        });
        const answer = await response.body.json();
        expect({ what, status: response.statusCode }).toEqual({ what, status: 400 });
        expect(validatorFor({ $ref: '#/components/schemas/Problem' })(answer)).toBe(true);
      }
      expect(sandbox.payments.has('ref-forbidden-0001')).toBe(false);
    } finally {
      await agent.close();
    }
  });
});
