import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HidPosAssembler,
  HidPosScannerSource,
  HidUnavailableError,
  loadNodeHid,
  parseHidPosReport,
  type HidBackend,
  type HidDeviceHandle,
  type HidDeviceInfo,
} from '../../devices/scanner/hid-pos.js';
import { ScanHub } from '../../devices/scanner/scan-hub.js';
import { memoryLogger } from '../support/fixtures.js';
import { waitFor } from '../support/pty-pair.js';

/** The scanned-data input reports a HID-POS scanner sends for one code (64 bytes each, report id first). */
function hidPosReports(code: string, aim = ']C0'): Buffer[] {
  const data = Buffer.from(code, 'utf8');
  const reports: Buffer[] = [];
  for (let offset = 0; offset < data.length || reports.length === 0; offset += 56) {
    const part = data.subarray(offset, offset + 56);
    const report = Buffer.alloc(64);
    report[0] = 0x02;
    report[1] = part.length;
    report.write(aim, 2, 'latin1');
    part.copy(report, 5);
    report[61] = 0x6a;
    report[63] = offset + 56 < data.length ? 0x01 : 0x00;
    reports.push(report);
  }
  return reports;
}

/** A fake HID bus with one scanner that can be plugged, unplugged and made to scan. */
class FakeHidBus implements HidBackend {
  plugged = false;
  private open_: (EventEmitter & HidDeviceHandle) | null = null;
  readonly info: HidDeviceInfo = {
    path: '/dev/hidraw7',
    vendorId: 0x0c2e,
    productId: 0x0b8f,
    product: 'Voyager 1400g',
    manufacturer: 'Honeywell',
    usagePage: 0x8c,
    usage: 0x02,
  };
  readonly keyboard: HidDeviceInfo = {
    ...this.info,
    path: '/dev/hidraw1',
    vendorId: 0x046d,
    usagePage: 0x01,
    usage: 0x06,
  };

  async devices(): Promise<HidDeviceInfo[]> {
    return this.plugged ? [this.keyboard, this.info] : [this.keyboard];
  }

  async open(path: string): Promise<HidDeviceHandle> {
    if (!this.plugged || path !== this.info.path) throw new Error(`cannot open ${path}`);
    const device = Object.assign(new EventEmitter(), { close: async () => undefined });
    this.open_ = device;
    return device;
  }

  scan(code: string): void {
    for (const report of hidPosReports(code)) this.open_?.emit('data', report);
  }

  unplug(): void {
    this.plugged = false;
    this.open_?.emit('error', new Error('could not read from HID device'));
    this.open_ = null;
  }
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops) await stop();
  stops = [];
});

function hubWith(backend: () => Promise<HidBackend>) {
  const hub = new ScanHub({ debounceMs: 0 });
  stops.push(() => hub.stop());
  const codes: string[] = [];
  hub.onScan((e) => e.type === 'scan' && codes.push(e.code));
  const source = new HidPosScannerSource({ vendorId: 0, productId: 0, pollMs: 20, log: memoryLogger().log }, backend);
  hub.add(source);
  const state = () => hub.status().find((s) => s.id === source.id);
  return { hub, codes, state };
}

describe('HID-POS reports', () => {
  it('reads the data field by its length and joins continued reports', () => {
    const [one] = hidPosReports('1234567890');
    expect(parseHidPosReport(one!)).toMatchObject({ kind: 'data', aim: ']C0', more: false });
    const long = 'A'.repeat(56) + 'B'.repeat(30);
    const assembler = new HidPosAssembler();
    const results = hidPosReports(long).map((r) => assembler.push(r));
    expect(results).toEqual([null, { code: long }]);
  });

  it('ignores other reports and refuses a length beyond the report', () => {
    expect(parseHidPosReport(Buffer.from([0x01, 0x04, 0x00]))).toMatchObject({ kind: 'ignored' });
    const bad = hidPosReports('12345')[0]!;
    bad[1] = 57;
    expect(parseHidPosReport(bad)).toMatchObject({ kind: 'ignored', reason: 'bad length' });
    expect(parseHidPosReport(Buffer.alloc(1))).toMatchObject({ kind: 'ignored' });
  });
});

describe('HID-POS scanner source (fake device behind the HID adapter)', () => {
  it('finds the scanner by usage page, reads codes, and comes back after an unplug', async () => {
    const bus = new FakeHidBus();
    const { codes, state } = hubWith(async () => bus);
    await waitFor(() => state()?.state === 'waiting', 'waiting for a scanner');
    bus.plugged = true;
    await waitFor(() => state()?.state === 'connected', 'connected');
    expect(state()?.detail).toBe('Honeywell Voyager 1400g');
    bus.scan('1234567');
    bus.scan('3112009999');
    bus.unplug();
    await waitFor(() => state()?.state === 'waiting', 'noticed the unplug');
    bus.plugged = true;
    await waitFor(() => state()?.state === 'connected', 'reconnected');
    bus.scan('7654321');
    expect(codes).toEqual(['1234567', '3112009999', '7654321']);
  });

  it('a missing native library makes the HID source unavailable with a clear message; other sources keep working', async () => {
    const libusbMissing = () =>
      loadNodeHid(() =>
        Promise.resolve({
          devicesAsync: () => Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')),
        }),
      );
    const { hub, codes, state } = hubWith(libusbMissing);
    await waitFor(() => state()?.state === 'unavailable', 'unavailable');
    expect(state()?.detail).toMatch(/libusb-1\.0\.so\.0.*apt-get install libusb-1\.0-0/u);
    hub.submit('wedge', '1234567');
    expect(codes).toEqual(['1234567']);
  });

  it('loadNodeHid turns an import failure into HidUnavailableError', async () => {
    await expect(loadNodeHid(() => Promise.reject(new Error('Cannot find module node-hid')))).rejects.toBeInstanceOf(
      HidUnavailableError,
    );
    await expect(
      loadNodeHid(() => Promise.resolve({ devicesAsync: () => Promise.reject(new Error('EACCES /dev/hidraw0')) })),
    ).rejects.toThrow(/udev rule/u);
  });

  it('the real node-hid loads here (libusb installed by .ci/run) and lists devices', async () => {
    const backend = await loadNodeHid();
    const devices = await backend.devices();
    expect(Array.isArray(devices)).toBe(true);
  });
});
