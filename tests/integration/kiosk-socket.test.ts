import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KioskEvent } from '../../contract/index.js';
import { memoryLogger } from '../support/fixtures.js';
import { startSocketKiosk, type SocketKiosk } from '../support/socket-kiosk.js';

// Browser mode's command socket, over a real WebSocket: who may connect, and what a bad command does.

let running: SocketKiosk;
let kiosk: SocketKiosk['kiosk'];
let browserMode: SocketKiosk['browserMode'];

beforeAll(async () => {
  running = await startSocketKiosk(memoryLogger().log, 'test');
  ({ kiosk, browserMode } = running);
});
afterAll(async () => {
  await running.stop();
});

/** Connects; resolves with the HTTP status of a refusal, or the open socket and its events. */
function connect(
  token: string,
  origin: string | undefined,
): Promise<{ refused: number } | { ws: WebSocket; events: KioskEvent[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(running.socketUrl(token), origin ? { origin } : {});
    const events: KioskEvent[] = [];
    ws.on('message', (data) => events.push(JSON.parse(data.toString()) as KioskEvent));
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('open', () => resolve({ ws, events }));
    ws.on('error', reject);
  });
}

async function until<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

describe('browser-mode command socket', () => {
  it('refuses a connection without the launch token, with a wrong one, or from another origin', async () => {
    expect(await connect('', browserMode.origin)).toEqual({ refused: 401 });
    expect(await connect('x'.repeat(browserMode.token.length), browserMode.origin)).toEqual({ refused: 401 });
    expect(await connect(browserMode.token, 'http://evil.example')).toEqual({ refused: 403 });
    expect(await connect(browserMode.token, undefined)).toEqual({ refused: 403 });
  });

  it('an accepted client gets the settings and the screen, and invalid commands change nothing', async () => {
    const result = await connect(browserMode.token, browserMode.origin);
    if (!('ws' in result)) throw new Error(`refused ${result.refused}`);
    const { ws, events } = result;
    try {
      await until(() => events.find((e) => e.type === 'session.view'));
      expect(events[0]).toMatchObject({ type: 'core.ready', settings: { wedge: { suffixKey: 'Enter' } } });
      expect(kiosk.session.current().view).toEqual({ screen: 'attract' });

      const rejections = () => events.filter((e) => e.type === 'command.rejected');
      ws.send('not json');
      ws.send(JSON.stringify({ type: 'session.authenticate', pin: '12' })); // too short
      ws.send(JSON.stringify({ type: 'checkout.pay', amountOre: 1 })); // extra field
      ws.send(JSON.stringify({ type: 'staff.void', paymentId: 'x' })); // no such command
      ws.send(JSON.stringify({ type: 'checkout.pay' })); // valid, but nothing is on screen to pay
      await until(() => (rejections().length === 5 ? true : undefined));
      expect(rejections().map((e) => (e as { reason: string }).reason)).toEqual([
        'not JSON',
        expect.stringContaining('pin'),
        expect.stringContaining('amountOre'),
        expect.stringContaining('type'),
        'nothing chosen to pay',
      ]);
      expect(kiosk.session.current().view).toEqual({ screen: 'attract' });
      expect(kiosk.core.journal.listByState(['created', 'authorizing', 'approved', 'declined'])).toEqual([]);

      // A valid command does what it says: a wedge scan reaches the scan stream and the PIN screen.
      ws.send(JSON.stringify({ type: 'scanner.wedge', code: '1000000002' }));
      const pin = await until(() => events.find((e) => e.type === 'session.view' && e.view.screen === 'pin'));
      expect(pin).toMatchObject({ view: { screen: 'pin', identifiedBy: 'library-card', wrongPin: false } });
    } finally {
      ws.close();
    }
  });
});

describe('staff log-in over the socket', () => {
  it('checks one PIN at a time: a burst of PINs is one check and the rest refused at once (audited)', async () => {
    const result = await connect(browserMode.token, browserMode.origin);
    if (!('ws' in result)) throw new Error(`refused ${result.refused}`);
    const { ws, events } = result;
    const count = (action: string): number =>
      (
        kiosk.core.db
          .prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = ? AND subject = 'tekniker'")
          .get(action) as { n: number }
      ).n;
    try {
      await until(() => events.find((e) => e.type === 'session.view'));
      ws.send(JSON.stringify({ type: 'staff.begin' }));
      ws.send(JSON.stringify({ type: 'staff.choose', accountId: 'tekniker' }));
      const before = { failed: count('staff.login-failed'), refused: count('staff.login-refused') };
      // 40 wrong PINs in one write, as a script (or a stuck key) would send them.
      const frame = JSON.stringify({ type: 'staff.login', pin: '000000' });
      for (let i = 0; i < 40; i++) ws.send(frame);
      await until(() =>
        count('staff.login-failed') + count('staff.login-refused') >= before.failed + before.refused + 40
          ? true
          : undefined,
      );
      expect(count('staff.login-failed') - before.failed).toBe(1);
      expect(count('staff.login-refused') - before.refused).toBe(39);
      const rejected = events.filter((e) => e.type === 'command.rejected');
      expect(rejected).toHaveLength(39);
      // The one check is answered: the screen says so, and the account is not locked by a burst.
      const last = await until(() => {
        const staff = [...events].reverse().find((e) => e.type === 'staff.state');
        return staff && 'state' in staff && staff.state.mode === 'login' && !staff.state.checking ? staff : undefined;
      });
      expect(last).toMatchObject({ state: { error: 'wrong-pin', checking: false } });
    } finally {
      ws.send(JSON.stringify({ type: 'staff.logout' }));
      ws.close();
    }
  });
});
