import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkout, ClaimsChangedError, type VerifyClaims } from '../../main/checkout.js';
import { TerminalNotReachedError, type PaymentTerminal } from '../../devices/terminal/terminal.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';

let s: Stores;
beforeEach(() => {
  s = openStores();
});
afterEach(() => s.close());

function checkout(terminal: PaymentTerminal, verify?: VerifyClaims): Checkout {
  return new Checkout(s.journal, terminal, memoryLogger().log, () => {}, verify);
}
const request = { channel: 'kiosk' as const, patronId: 'p', actor: 'kiosk', lines: [line('1', 2500)] };

describe('checkout', () => {
  it('persists authorizing before the terminal is asked', async () => {
    let stateWhenAsked = '';
    const payment = await checkout({
      pay: (req) => {
        stateWhenAsked = s.journal.get(req.paymentId).state;
        return Promise.resolve({ outcome: 'approved', transactionRef: 'TX-9' });
      },
    }).pay(request);
    expect(stateWhenAsked).toBe('authorizing');
    expect(payment).toMatchObject({ state: 'approved', terminalTransactionRef: 'TX-9' });
  });

  it('leaves the payment in doubt when the answer is lost, and declines when the terminal was never reached', async () => {
    const lost = await checkout({ pay: () => Promise.reject(new Error('socket hang up')) }).pay(request);
    expect(lost.state).toBe('unknown');
    const notReached = await checkout({ pay: () => Promise.reject(new TerminalNotReachedError('ECONNREFUSED')) }).pay(
      request,
    );
    expect(notReached.state).toBe('declined');
  });

  it('allows one payment in flight at a time', async () => {
    let release: () => void = () => {};
    const c = checkout({
      pay: () => new Promise((resolve) => (release = () => resolve({ outcome: 'declined', reason: 'x' }))),
    });
    const first = c.pay(request);
    await expect(c.pay(request)).rejects.toThrow(/already in progress/);
    release();
    expect((await first).state).toBe('declined');
  });

  it('charges nothing and persists nothing when a claim changed since it was shown', async () => {
    let asked = false;
    const terminal: PaymentTerminal = {
      pay: () => {
        asked = true;
        return Promise.resolve({ outcome: 'approved', transactionRef: 'TX' });
      },
    };
    const error = await checkout(terminal, () => Promise.resolve([{ claimId: 'fbs:1', kind: 'paid' }]))
      .pay(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimsChangedError);
    expect((error as ClaimsChangedError).changes).toEqual([{ claimId: 'fbs:1', kind: 'paid' }]);
    expect(asked).toBe(false);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM payments').get()).toEqual({ n: 0 });
    // The check sees what is about to be charged.
    let seen: unknown;
    await checkout(terminal, (patronId, lines) => {
      seen = [patronId, lines.map((l) => l.feeId)];
      return Promise.resolve([]);
    }).pay(request);
    expect(seen).toEqual(['p', ['1']]);
  });
});
