import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KioskEvent } from '../../contract/index.js';
import { memoryLogger } from '../support/fixtures.js';
import { startSocketKiosk, type SocketKiosk } from '../support/socket-kiosk.js';
import { SOCKET_LIMITS } from '../../shells/serve/kiosk-socket.js';

// Browser mode's command socket, over a real WebSocket: who may connect, and what a bad command does.

const logger = memoryLogger();
let running: SocketKiosk;
let kiosk: SocketKiosk['kiosk'];
let browserMode: SocketKiosk['browserMode'];

beforeAll(async () => {
  running = await startSocketKiosk(logger.log, 'test');
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

/** A client frame as RFC 6455 §5.2 lays it out (text, masked, payload under 126 bytes). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error('short frames only');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Opens the kiosk socket by hand (the HTTP upgrade), as a client that writes and never reads. */
async function rawClient(): Promise<Socket> {
  const url = new URL(running.socketUrl(browserMode.token));
  const socket = tcpConnect(Number(url.port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: ${browserMode.origin}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  );
  const head = await new Promise<string>((resolve) =>
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString())),
  );
  expect(head).toMatch(/^HTTP\/1\.1 101 /u);
  socket.pause(); // from now on it reads nothing: the kiosk's answers pile up on its side
  return socket;
}

describe('a client that floods the socket', () => {
  it('is disconnected, the kiosk does not hold its answers, and the next screen is served', async () => {
    const socket = await rawClient();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined); // the kiosk cuts it off mid-write: EPIPE/ECONNRESET
    const handled = (): number =>
      (
        kiosk.core.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'staff.login-refused'").get() as {
          n: number;
        }
      ).n;
    const before = { rss: process.memoryUsage().rss, refused: handled() };
    // 200,000 commands in one go (the finding's flood), each one answered by the kiosk if it
    // were taken: a PIN with no staff session open is refused and audited.
    const frame = maskedTextFrame(JSON.stringify({ type: 'staff.login', pin: '000000' }));
    const flood = Buffer.concat(Array.from({ length: Number(process.env.FLOOD ?? 200_000) }, () => frame));
    socket.write(flood);
    socket.resume(); // read (and drop) whatever came, so the close is seen
    socket.on('data', () => undefined);
    await closed;
    // Cut off after the burst it may send: not 200,000 commands handled, not their answers kept.
    expect(handled() - before.refused).toBeLessThanOrEqual(SOCKET_LIMITS.commandBurst + 5);
    expect(process.memoryUsage().rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    // The kiosk still serves a screen at once.
    const result = await connect(browserMode.token, browserMode.origin);
    if (!('ws' in result)) throw new Error(`refused ${result.refused}`);
    await until(() => result.events.find((e) => e.type === 'session.view'));
    result.ws.close();
  });

  it('one that never reads what it is sent is cut off once a megabyte waits for it', async () => {
    const socket = await rawClient();
    socket.on('error', () => undefined);
    // The kiosk says when it cuts a client off (the client itself, reading nothing, cannot see it).
    const cutOffs = (): number =>
      logger.lines().filter((line) => line.includes('does not read what it is sent')).length;
    const before = cutOffs();
    // Every client is sent the screen's changes. This one reads nothing: once its TCP window and
    // the kernel's buffers are full (tens of MB on loopback), the kiosk's own queue for it grows,
    // until the limit. The borrower with the most claims: each change of choice is a big view.
    await kiosk.session.command({ type: 'session.identify', cardNumber: '1000000004' });
    await kiosk.session.command({ type: 'session.authenticate', pin: '4444' });
    const view = await until(() => {
      const v = kiosk.session.current().view;
      return v.screen === 'claims' ? v : undefined;
    });
    const all = view.claims.filter((c) => c.route !== 'not-payable').map((c) => c.id);
    let changes = 0;
    try {
      // (The log is read every 500 changes: reading it is the slow part.)
      while (changes % 500 !== 0 || cutOffs() === before) {
        await kiosk.session.command({ type: 'checkout.select', claimIds: changes % 2 ? all : [] });
        changes++;
        if (changes > 200_000) throw new Error('never cut off');
        await new Promise((resolve) => setImmediate(resolve)); // let the socket's close arrive
      }
    } finally {
      await kiosk.session.command({ type: 'session.reset' });
    }
    expect(changes).toBeGreaterThan(10);
    // Its connection is gone: once it reads again, it finds the socket closed.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', () => undefined);
    socket.resume();
    await closed;
  });
});
