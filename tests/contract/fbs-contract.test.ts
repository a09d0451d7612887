import { parse, stringify } from 'lossless-json';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FbsClient } from '../../integrations/fbs/client.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { memoryLogger } from '../support/fixtures.js';
import { SwaggerSpec } from '../support/swagger12.js';

const specDir = (file: string): string => fileURLToPath(new URL(`../fixtures/fbs-specs/${file}`, import.meta.url));
const spec = new SwaggerSpec([
  specDir('external_v1_agencyid_authentication.json'),
  specDir('external_agencyid_patrons.json'),
  specDir('external_agencyid_patron_patronid.json'),
]);

const OPERATIONS = [
  'login',
  'authenticateV9',
  'getPreAuthenticatedPatronV10',
  'getPatronInformationByPatronIdV4',
  'getFeesV2',
  'getExpectedFees',
  'payFeesV2',
];

const sandbox = new FbsSandbox();
let client: FbsClient;

beforeAll(async () => {
  await sandbox.start();
  client = new FbsClient({ baseUrl: sandbox.url, ...sandbox.client, timeoutMs: 2000, log: memoryLogger().log });
  // Every operation, with every kind of answer the sandbox gives.
  const ignore = (p: Promise<unknown>): Promise<unknown> => p.catch(() => null);
  for (const [card, pin] of [
    ['1000000001', '1111'],
    ['1000000002', '2222'],
    ['1000000003', '3333'],
    ['1000000004', '4444'],
    ['1000000007', '7777'],
  ] as const) {
    await client.identify(card, pin);
  }
  await ignore(client.identify('1000000005', '5555')); // blocked
  await ignore(client.identify('1000000006', '6666')); // LOANER_LOCKED_OUT
  await ignore(client.identify('1000000002', '9999')); // INVALID
  await client.preauthenticate('0101901234');
  await ignore(client.preauthenticate('0000000000'));
  await client.fees('100004', { includePaid: true });
  sandbox.markPaidElsewhere('7001');
  await client.fees('100004', { includePaid: true }); // with a paidDate
  await client.registerPayment('100002', 'order-1', ['5001', '5002']); // paymentRegistered
  await client.registerPayment('100002', 'order-1', ['5001']); // again: same answer
  await client.registerPayment('100004', 'order-2', ['7001', '9007199254740993']); // different order + registered
  await client.registerPayment('100003', 'order-3', ['6001']); // not allowed by client
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});

describe('FBS contract: sandbox and client against the Swagger specs', () => {
  it('exercised every operation the kiosk uses', () => {
    expect(new Set(sandbox.exchanges.map((e) => e.operation))).toEqual(new Set(OPERATIONS));
    expect(sandbox.exchanges.every((e) => e.status === 200)).toBe(true);
  });

  it('serves each operation at the spec path and method', () => {
    for (const exchange of sandbox.exchanges) {
      const op = spec.operation(exchange.operation);
      const template = new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      expect(exchange.method, exchange.operation).toBe(op.method);
      expect(exchange.path, exchange.operation).toMatch(template);
    }
  });

  it('every sandbox response matches its model', () => {
    for (const exchange of sandbox.exchanges) {
      expect(
        spec.checkResponse(exchange.operation, exchange.response),
        `${exchange.operation}: ${stringify(exchange.response)}`,
      ).toEqual([]);
    }
  });

  it('every client request body matches its model', () => {
    for (const exchange of sandbox.exchanges) {
      expect(
        spec.checkRequestBody(exchange.operation, exchange.request),
        `${exchange.operation}: ${stringify(exchange.request)}`,
      ).toEqual([]);
    }
  });

  it('the checker itself catches invented fields, missing fields and wrong types', () => {
    const fee = parse(
      '{"feeId": 1, "type": "fee", "reasonMessage": "x", "amount": 1.5, "creationDate": "2024-01-01", "payableByClient": true, "materials": []}',
    );
    expect(spec.checkResponse('getFeesV2', [fee])).toEqual([]);
    expect(spec.checkResponse('getFeesV2', [{ ...(fee as object), title: 'invented' }])).toEqual([
      'response[0].title: not a property of FeeV2',
    ]);
    expect(spec.checkResponse('getFeesV2', [{ ...(fee as object), feeId: undefined }])).toEqual([
      'response[0].feeId: required by FeeV2',
    ]);
    expect(spec.checkResponse('getFeesV2', [{ ...(fee as object), feeId: '1' }])).toEqual([
      'response[0].feeId: expected integer',
    ]);
    expect(spec.checkRequestBody('payFeesV2', parse('{"orderId": "o", "feeIds": ["1"]}'))).toEqual([
      'body.feeIds[0]: expected integer',
    ]);
    expect(
      spec.checkResponse(
        'getPreAuthenticatedPatronV10',
        parse('{"authenticateStatus": "VALID", "patronId": 1, "patronType": "ROBOT"}'),
      ),
    ).toEqual(['response.patronType: "ROBOT" not in PERSON|COMPANY|LIBRARY|GROUP']);
  });
});
