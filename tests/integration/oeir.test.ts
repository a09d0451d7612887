import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OeirClient } from '../../integrations/oeir/client.js';
import { OeirError } from '../../integrations/oeir/errors.js';
import type { DebtorPayment } from '../../integrations/oeir/mapping.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';

let f: OeirFixture;
let client: OeirClient;

beforeAll(async () => {
  f = await startOeirFixture();
  client = await f.client();
});
afterAll(async () => {
  await f.close();
});
beforeEach(() => f.sandbox.reset());

function payment(overrides: Partial<DebtorPayment> = {}): DebtorPayment {
  return {
    paymentId: randomUUID(),
    amountOre: 12025,
    paidAt: '2026-11-21T12:00:00.000Z',
    terminalTransactionRef: 'TX-000001',
    place: 'Hovedbiblioteket, kiosk 1',
    claims: [{ feeId: '7002', amountOre: 12025 }],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<OeirError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OeirError);
  return error as OeirError;
}

describe('ØiR client against the sandbox over mutual TLS', () => {
  it('registers a payment and returns the receipt and the remaining balance', async () => {
    const p = payment({ amountOre: 2025, claims: [{ feeId: '7002', amountOre: 2025 }] });
    const receipt = await client.foretagIndbetaling(p);
    expect(receipt).toEqual({ receiptId: 'KV-00000001', remainingOre: 10000, alreadyRegistered: false });
    expect(f.sandbox.ledger.get(p.paymentId)).toMatchObject({
      amountOre: 2025,
      feeIds: ['7002'],
      municipalityCvr: '29189846',
      terminalTransactionRef: 'TX-000001',
    });
  });

  it('is idempotent on the payment identifier: a repeat gets the same receipt and changes nothing', async () => {
    const p = payment();
    const first = await client.foretagIndbetaling(p);
    const again = await client.foretagIndbetaling(p);
    expect(again).toEqual({ ...first, alreadyRegistered: true });
    expect(f.sandbox.ledger.size).toBe(1);
    expect(await client.soegDelfordringer(['7002'])).toEqual([{ feeId: '7002', status: 'closed', remainingOre: 0 }]);
  });

  it('finds open, closed and unknown sub-claims', async () => {
    expect(await client.soegDelfordringer(['6001', '7002', '999'])).toEqual([
      { feeId: '6001', status: 'open', remainingOre: 24995 },
      { feeId: '7002', status: 'open', remainingOre: 12025 },
      { feeId: '999', status: 'unknown', remainingOre: null },
    ]);
  });

  it('reports business refusals with their code', async () => {
    expect(
      await failure(client.foretagIndbetaling(payment({ claims: [{ feeId: '999', amountOre: 12025 }] }))),
    ).toMatchObject({
      kind: 'business',
      details: { code: 'UkendtFordring', feeId: '999' },
    });
    expect(
      (
        await failure(
          client.foretagIndbetaling(payment({ amountOre: 99999, claims: [{ feeId: '7002', amountOre: 99999 }] })),
        )
      ).details.code,
    ).toBe('BeloebOverstigerRestance');
    await client.foretagIndbetaling(payment());
    expect((await failure(client.foretagIndbetaling(payment()))).details.code).toBe('FordringLukket');
  });
});
