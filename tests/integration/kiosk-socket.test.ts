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
