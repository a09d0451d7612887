import { describe, expect, it } from 'vitest';
import { KioskCommand } from '../../contract/index.js';

describe('KioskCommand: a wedge scan from the renderer', () => {
  it('accepts a scanned code', () => {
    expect(KioskCommand.parse({ type: 'scanner.wedge', code: '1000000002' })).toEqual({
      type: 'scanner.wedge',
      code: '1000000002',
    });
  });

  it.each([
    { type: 'scanner.wedge', code: '' },
    { type: 'scanner.wedge', code: 'x'.repeat(65) },
    { type: 'scanner.wedge', code: '12345\n67' },
    { type: 'scanner.wedge', code: '1234567', source: 'serial' },
    { type: 'scanner.wedge' },
  ])('refuses %j', (command) => {
    expect(KioskCommand.safeParse(command).success).toBe(false);
  });
});
