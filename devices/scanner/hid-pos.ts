import type { Logger } from 'pino';
import { PollTimer } from './poll-timer.js';
import type { ScanSink, ScanSource } from './scan-hub.js';
import { messageOf } from '../../base/errors.js';

/**
 * HID-POS scanners (USB HID usage page 0x8C, "Bar Code Scanner"), read with `node-hid`.
 *
 * The scanned-data input report most scanners send in HID-POS mode (Honeywell, Zebra, Access-IS
 * manuals; 64 bytes with the report id):
 *
 *   [0]      report id 0x02
 *   [1]      number of data bytes in this report (0..56)
 *   [2..4]   AIM symbology identifier, e.g. "]E0" for EAN-13
 *   [5..60]  decoded data, zero padded
 *   [61]     vendor's further symbology identifier
 *   [62]     reserved
 *   [63]     bit 0: more data follows in the next report
 *
 * A code longer than 56 bytes arrives in several reports; it is emitted when the last one has.
 */
export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_SCANNED_DATA_REPORT = 0x02;
const DATA_START = 5;
const DATA_MAX = 56;
const MORE_FLAG_BYTE = 63;

export type HidReport =
  | { readonly kind: 'data'; readonly aim: string; readonly data: Buffer; readonly more: boolean }
  | { readonly kind: 'ignored'; readonly reason: string };

export function parseHidPosReport(report: Uint8Array): HidReport {
  if (report.length < 2) return { kind: 'ignored', reason: 'short report' };
  if (report[0] !== HID_POS_SCANNED_DATA_REPORT) return { kind: 'ignored', reason: `report id ${report[0]}` };
  const length = report[1]!;
  if (length > DATA_MAX || report.length < DATA_START + length) return { kind: 'ignored', reason: 'bad length' };
  const aim = Buffer.from(report.subarray(2, 5)).toString('latin1');
  const data = Buffer.from(report.subarray(DATA_START, DATA_START + length));
  const more = report.length > MORE_FLAG_BYTE && (report[MORE_FLAG_BYTE]! & 0x01) === 0x01;
  return { kind: 'data', aim, data, more };
}

/** Joins continued reports into whole codes. */
export class HidPosAssembler {
  private parts: Buffer[] = [];

  /** A whole code, `null` while more reports are due, or an error reason. */
  push(report: Uint8Array): { code: string } | { unreadable: string } | null {
    const parsed = parseHidPosReport(report);
    if (parsed.kind === 'ignored') return null;
    this.parts.push(parsed.data);
    if (this.parts.reduce((sum, part) => sum + part.length, 0) > 1_024) {
      this.parts = [];
      return { unreadable: 'too-long' };
    }
    if (parsed.more) return null;
    const whole = Buffer.concat(this.parts);
    this.parts = [];
    try {
      const code = new TextDecoder('utf-8', { fatal: true }).decode(whole).replace(/[\r\n]+$/u, '');
      return code.length > 0 ? { code } : null;
    } catch {
      return { unreadable: 'not-text' };
    }
  }

  reset(): void {
    this.parts = [];
  }
}

/** A HID device as listed (node-hid's fields, the ones we use). */
export interface HidDeviceInfo {
  readonly path: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly product: string;
  readonly manufacturer: string;
  readonly usagePage: number | null;
  readonly usage: number | null;
}

export interface HidDeviceHandle {
  on(event: 'data', listener: (report: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

/** The seam between HID scanners and the native library: node-hid in the product, a fake device in tests. */
export interface HidBackend {
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidDeviceHandle>;
}

export class HidUnavailableError extends Error {
  override name = 'HidUnavailableError';
}

interface NodeHidModule {
  devicesAsync(): Promise<
    {
      path?: string;
      vendorId: number;
      productId: number;
      product?: string;
      manufacturer?: string;
      usagePage?: number;
      usage?: number;
    }[]
  >;
  HIDAsync: { open(path: string): Promise<HidDeviceHandle> };
}

/**
 * Loads node-hid on first use and checks that its native part works (it needs libusb-1.0 on
 * Linux, and read access to /dev/hidraw*). Failure is a HidUnavailableError that says what to
 * install; nothing else in the kiosk depends on it.
 */
export async function loadNodeHid(importer: () => Promise<unknown> = () => import('node-hid')): Promise<HidBackend> {
  let hid: NodeHidModule;
  try {
    const module = (await importer()) as NodeHidModule & { default?: NodeHidModule };
    hid = module.default ?? module;
    await hid.devicesAsync();
  } catch (error) {
    const message = messageOf(error) ?? String(error);
    const hint = /libusb/iu.test(message)
      ? ' Install the libusb-1.0 library (Debian/Ubuntu: apt-get install libusb-1.0-0).'
      : /permission|EACCES/iu.test(message)
        ? ' Give the kiosk user read access to the scanner (a udev rule for /dev/hidraw*).'
        : '';
    throw new HidUnavailableError(`HID scanners are unavailable: ${message}.${hint}`);
  }
  return {
    async devices() {
      return (await hid.devicesAsync()).flatMap((d) =>
        d.path
          ? [
              {
                path: d.path,
                vendorId: d.vendorId,
                productId: d.productId,
                product: d.product ?? '',
                manufacturer: d.manufacturer ?? '',
                usagePage: d.usagePage ?? null,
                usage: d.usage ?? null,
              },
            ]
          : [],
      );
    },
    open: (path) => hid.HIDAsync.open(path),
  };
}

export interface HidPosScannerOptions {
  /** USB ids (numbers); 0 = any device that declares the bar code scanner usage page. */
  readonly vendorId: number;
  readonly productId: number;
  readonly pollMs: number;
  readonly log: Logger;
}

export function isHidPosScanner(
  device: HidDeviceInfo,
  options: Pick<HidPosScannerOptions, 'vendorId' | 'productId'>,
): boolean {
  if (options.vendorId) {
    return device.vendorId === options.vendorId && (!options.productId || device.productId === options.productId);
  }
  return device.usagePage === HID_POS_USAGE_PAGE;
}

/** A HID-POS scanner: found by USB id or usage page, reopened after an unplug. */
export class HidPosScannerSource implements ScanSource {
  readonly kind = 'hid-pos' as const;
  readonly id: string;
  private device: HidDeviceHandle | null = null;
  private readonly poll: PollTimer;
  private sink: ScanSink | null = null;
  private readonly assembler = new HidPosAssembler();

  constructor(
    private readonly options: HidPosScannerOptions,
    private readonly loadBackend: () => Promise<HidBackend> = () => loadNodeHid(),
  ) {
    this.id = options.vendorId
      ? `hid:${hex(options.vendorId)}:${options.productId ? hex(options.productId) : '*'}`
      : 'hid:pos';
    this.poll = new PollTimer(options.pollMs);
  }

  start(sink: ScanSink): void {
    this.sink = sink;
    void this.run();
  }

  async stop(): Promise<void> {
    this.poll.stop();
    const device = this.device;
    this.device = null;
    await device?.close().catch(() => undefined);
  }

  private backend: HidBackend | null = null;

  private async run(): Promise<void> {
    if (this.poll.stopped || !this.sink) return;
    if (!this.backend) {
      try {
        this.backend = await this.loadBackend();
      } catch (error) {
        this.sink.status('unavailable', messageOf(error));
        this.options.log.error({ source: this.id, err: error }, 'HID scanner unavailable');
        return;
      }
    }
    await this.connect(this.backend);
  }

  private async connect(backend: HidBackend): Promise<void> {
    if (this.poll.stopped || !this.sink) return;
    let found: HidDeviceInfo | undefined;
    try {
      found = (await backend.devices()).find((d) => isHidPosScanner(d, this.options));
    } catch (error) {
      this.options.log.warn({ source: this.id, err: error }, 'listing HID devices failed');
    }
    if (!found) {
      this.sink.status('waiting', 'no HID-POS scanner found');
      this.poll.schedule(() => this.connect(backend));
      return;
    }
    let device: HidDeviceHandle;
    try {
      device = await backend.open(found.path);
    } catch (error) {
      this.sink.status('waiting', `cannot open ${found.product || found.path}: ${messageOf(error)}`);
      this.poll.schedule(() => this.connect(backend));
      return;
    }
    if (this.poll.stopped) {
      await device.close().catch(() => undefined);
      return;
    }
    this.device = device;
    this.assembler.reset();
    device.on('data', (report) => {
      if (this.device !== device) return;
      const result = this.assembler.push(report);
      if (!result) return;
      if ('code' in result) this.sink?.code(result.code);
      else this.sink?.unreadable(result.unreadable);
    });
    device.on('error', (error) => {
      // node-hid reports an unplugged device as a read error.
      if (this.device !== device) return;
      this.device = null;
      this.assembler.reset();
      void device.close().catch(() => undefined);
      this.options.log.warn({ source: this.id, err: error }, 'HID scanner disconnected; looking for it');
      this.sink?.status('waiting', 'disconnected');
      this.poll.schedule(() => this.connect(backend));
    });
    this.sink.status('connected', `${found.manufacturer} ${found.product}`.trim() || found.path);
    this.options.log.info({ source: this.id, product: found.product }, 'HID scanner connected');
  }
}

function hex(id: number): string {
  return id.toString(16).padStart(4, '0');
}
