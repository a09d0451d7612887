import { afterEach, describe, expect, it } from 'vitest';
import { ScanHub, type ScanEvent } from '../../devices/scanner/scan-hub.js';
import { SerialScannerSource, type SerialScannerOptions } from '../../devices/scanner/serial-source.js';
import { memoryLogger } from '../support/fixtures.js';
import { PtyPair, waitFor } from '../support/pty-pair.js';

// A real serial path: serialport's native binding reading a pseudo-terminal that socat joins to
// the end the test writes to. Unplug = kill socat (the tty disappears, as a USB-CDC device's does).

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function scannerOn(options: Partial<SerialScannerOptions> = {}, debounceMs = 0) {
  const pty = new PtyPair();
  await pty.plug();
  const hub = new ScanHub({ debounceMs });
  const events: ScanEvent[] = [];
  hub.onScan((event) => events.push(event));
  const source = new SerialScannerSource({
    path: pty.devicePath,
    vendorId: '',
    productId: '',
    baudRate: 9600,
    suffix: 'CR',
    prefix: '',
    pollMs: 50,
    log: memoryLogger().log,
    ...options,
  });
  hub.add(source);
  cleanup.push(
    () => hub.stop(),
    () => pty.close(),
  );
  const state = () => hub.status().find((s) => s.id === source.id)?.state;
  await waitFor(() => state() === 'connected', 'the scanner to connect');
  const codes = () => events.flatMap((e) => (e.type === 'scan' ? [e.code] : []));
  return { pty, hub, events, codes, state, source };
}

describe('serial scanner over a pty pair', () => {
  it('reads codes framed by CR, including a code split across writes and CR LF', async () => {
    const { pty, codes } = await scannerOn();
    pty.send('1234567890\r');
    pty.send('12345');
    await new Promise((resolve) => setTimeout(resolve, 50));
    pty.send('67\r\n0987654321\r');
    await waitFor(() => codes().length === 3, 'three codes');
    expect(codes()).toEqual(['1234567890', '1234567', '0987654321']);
  });

  it('strips a configured prefix, uses a custom suffix, and reports a frame without the prefix as unreadable', async () => {
    const { pty, codes, events } = await scannerOn({ prefix: '#', suffix: { custom: '<END>' } });
    pty.send('#3112009999<END>#1234567<EN');
    pty.send('D>55555555<END>');
    await waitFor(() => events.length === 3, 'three events');
    expect(codes()).toEqual(['3112009999', '1234567']);
    expect(events[2]).toMatchObject({ type: 'unreadable', reason: 'missing-prefix' });
  });

  it('survives unplug and replug: nothing lost, nothing twice, a cut-off code not glued to the next', async () => {
    const { pty, codes, events, state } = await scannerOn();
    pty.send('1111111\r2222222\r');
    await waitFor(() => codes().length === 2, 'codes before the unplug');
    pty.send('33'); // half a code when the cable goes
    await new Promise((resolve) => setTimeout(resolve, 50));

    await pty.unplug();
    await waitFor(() => state() === 'waiting', 'the scanner to notice the unplug');
    expect(events.some((e) => e.type === 'unreadable' && e.reason === 'cut-off')).toBe(true);

    await pty.plug();
    await waitFor(() => state() === 'connected', 'the scanner to reconnect');
    pty.send('4444444\r');
    await waitFor(() => codes().length === 3, 'the code after the replug');

    // And once more, to show the reconnect loop is not a one-off.
    await pty.unplug();
    await waitFor(() => state() === 'waiting', 'the second unplug');
    await pty.plug();
    await waitFor(() => state() === 'connected', 'the second reconnect');
    pty.send('5555555\r');
    await waitFor(() => codes().length === 4, 'the code after the second replug');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(codes()).toEqual(['1111111', '2222222', '4444444', '5555555']);
  });

  it('waits for a scanner that is not plugged in at start, then reads it', async () => {
    const pty = new PtyPair();
    cleanup.push(() => pty.close());
    const hub = new ScanHub({ debounceMs: 0 });
    cleanup.push(() => hub.stop());
    const seen: string[] = [];
    hub.onScan((e) => {
      if (e.type === 'scan') seen.push(e.code);
    });
    hub.add(
      new SerialScannerSource({
        path: pty.devicePath,
        vendorId: '',
        productId: '',
        baudRate: 115200,
        suffix: 'LF',
        prefix: '',
        pollMs: 50,
        log: memoryLogger().log,
      }),
    );
    await waitFor(
      () => hub.status()[0]?.state === 'waiting' && !!hub.status()[0]?.detail.includes('not there'),
      'waiting',
    );
    await pty.plug();
    await waitFor(() => hub.status()[0]?.state === 'connected', 'connected');
    pty.send('7654321\n');
    await waitFor(() => seen.length === 1, 'the code');
    expect(seen).toEqual(['7654321']);
  });

  it('debounces the same card read twice in a row but not a different card', async () => {
    const { pty, codes } = await scannerOn({}, 2_000);
    pty.send('1234567\r1234567\r7654321\r1234567\r');
    await waitFor(() => codes().length === 2, 'two codes');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(codes()).toEqual(['1234567', '7654321']);
  });

  it('a driver that cannot load makes the source unavailable with the reason, without throwing', async () => {
    const hub = new ScanHub({ debounceMs: 0 });
    cleanup.push(() => hub.stop());
    hub.add(
      new SerialScannerSource(
        {
          path: '/dev/ttyACM9',
          vendorId: '',
          productId: '',
          baudRate: 9600,
          suffix: 'CR',
          prefix: '',
          pollMs: 50,
          log: memoryLogger().log,
        },
        () => Promise.reject(new Error('bindings.node: invalid ELF header')),
      ),
    );
    await waitFor(() => hub.status()[0]?.state === 'unavailable', 'unavailable');
    expect(hub.status()[0]?.detail).toContain('invalid ELF header');
  });
});
