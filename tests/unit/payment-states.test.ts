import { describe, expect, it } from 'vitest';
import { canTransition, PAYMENT_TRANSITIONS, PaymentState } from '../../contract/index.js';

describe('payment state machine', () => {
  it('allows exactly the documented moves', () => {
    const allowed = Object.entries(PAYMENT_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'created→authorizing',
        'created→declined',
        'authorizing→approved',
        'authorizing→declined',
        'authorizing→unknown',
        'authorizing→needs_attention',
        'unknown→approved',
        'unknown→declined',
        'unknown→needs_attention',
        'approved→settled',
        'approved→needs_attention',
        'approved→voided',
        'needs_attention→settled',
        'needs_attention→voided',
        'needs_attention→approved',
        'needs_attention→declined',
        'declined→needs_attention',
      ].sort(),
    );
  });

  it('has terminal states with no way out, and no way back to created', () => {
    for (const state of ['settled', 'voided'] as const) {
      for (const to of PaymentState.options) expect(canTransition(state, to)).toBe(false);
    }
    // A decline is final for the kiosk; only the terminal's own record of a capture reopens it, for staff.
    expect(PaymentState.options.filter((to) => canTransition('declined', to))).toEqual(['needs_attention']);
    for (const from of PaymentState.options) expect(canTransition(from, 'created')).toBe(false);
    // Money is never approved without going through the terminal.
    expect(canTransition('created', 'approved')).toBe(false);
  });
});
