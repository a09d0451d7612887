import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { parseConfig } from '../../config/config.js';
import type { KioskCommand } from '../../contract/index.js';
import { SANDBOX_CLIENT } from '../../integrations/fbs/sandbox/seed.js';
import { tempDir } from '../support/fixtures.js';

/**
 * What the kiosk's log files hold after a demo day's journeys — borrowers by card and by CPR,
 * wrong and right PINs, card payments to FBS and ØiR, staff and technician log-ins, a counter
 * look-up by CPR — written by the real logger (rotated JSON lines, debug level, the most it
 * ever writes): every line is JSON a shipper can read, and none holds a CPR, a whole card number,
 * a PIN or a secret. This is what leaves the kiosk when its logs are shipped.
 */
const dir = tempDir('kiosk-logs-');
afterAll(() => dir.remove());

type SessionCommand = Extract<KioskCommand, { type: `session.${string}` | `checkout.${string}` | `demo.${string}` }>;

async function screen(k: Kiosk, wanted: readonly string[]): Promise<string> {
  await expect
    .poll(() => k.session.current().view.screen, { timeout: 20_000 })
    .toSatisfy((s: string) => wanted.includes(s));
  return k.session.current().view.screen;
}

async function borrowerPays(k: Kiosk, card: string, pin: string) {
  await k.session.command({ type: 'session.identify', cardNumber: card } as SessionCommand);
  await screen(k, ['pin']);
  await k.session.command({ type: 'session.authenticate', pin: '9876' } as SessionCommand); // wrong
  await screen(k, ['pin']);
  await k.session.command({ type: 'session.authenticate', pin } as SessionCommand);
  if ((await screen(k, ['claims', 'nothing-to-pay'])) === 'claims') {
    await k.session.command({ type: 'checkout.pay' } as SessionCommand);
    await screen(k, ['approved', 'declined', 'error']);
  }
  await k.session.command({ type: 'session.reset' } as SessionCommand);
  await screen(k, ['attract']);
}

describe("the kiosk's log files", () => {
  it('after a demo day: JSON lines only, and no CPR, card number, PIN or secret in any of them', async () => {
    const dataDir = join(dir.path, randomUUID());
    const config = parseConfig({
      log: { level: 'debug' },
      terminal: { simulatorStepMs: 5 },
      mobilepay: { enabled: true },
    });
    // No logger given: the kiosk's own, writing the rotated files.
    const k = await bootKiosk({ ...config, dataDir }, { packaged: false });
    try {
      await borrowerPays(k, '1000000002', '2222');
      await borrowerPays(k, '1000000003', '3333');
      await borrowerPays(k, '0101901234', '4444');
      await borrowerPays(k, '1000000001', '1111');
      // Staff at the counter: a look-up by CPR, the day's report; a technician's settings.
      const staff = async (account: string, pin: string, request: Record<string, unknown>) => {
        k.staffConsole.begin();
        k.staffConsole.choose(account);
        await k.staffConsole.login(pin).catch(() => undefined);
        await k.staffConsole.request(request as never).catch(() => undefined);
        k.staffConsole.logout();
      };
      await staff('personale', '246810', { op: 'counter', cardOrCpr: '0101901234' });
      await k.session.command({ type: 'session.reset' } as SessionCommand);
      await staff('personale', '000000', { op: 'day' }); // a wrong staff PIN
      await staff('tekniker', '135790', { op: 'settings' });
      await expect
        .poll(() => k.core.outbox.counts().pending + k.core.outbox.counts().sending, { timeout: 20_000 })
        .toBe(0);
    } finally {
      await k.stop();
    }

    const logs = join(dataDir, 'logs');
    const files = readdirSync(logs).filter((n) => /^kiosk\..*\.log$/u.test(n));
    expect(files.length).toBeGreaterThan(0);
    expect(readdirSync(logs)).toContain('current.log');
    const lines = files.flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n').filter(Boolean));
    expect(lines.length).toBeGreaterThan(50);
    // Debug lines too (the most the kiosk writes): FBS and ØiR calls, the terminal's messages.
    expect(lines.some((l) => (JSON.parse(l) as { level: number }).level === 20)).toBe(true);
    const strings: string[] = [];
    const walk = (value: unknown, key: string): void => {
      if (typeof value === 'string') strings.push(`${key}=${value}`);
      else if (value && typeof value === 'object')
        for (const [k2, v] of Object.entries(value as Record<string, unknown>)) walk(v, k2);
    };
    for (const line of lines) walk(JSON.parse(line) as unknown, '');
    const leaks = strings.filter(
      (s) =>
        /0101901234|010190-1234/u.test(s) || // the demo CPR
        /1000000002|1000000003|1000000001|9990000000001/u.test(s) || // whole card numbers
        /(^|[^\d])(2222|3333|4444|1111|9876|246810|135790)([^\d]|$)/u.test(s) || // PINs
        s.includes(SANDBOX_CLIENT.password) ||
        /^pin=/iu.test(s),
    );
    expect(leaks).toEqual([]);
  }, 120_000);
});
