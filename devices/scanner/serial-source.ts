import type { Logger } from 'pino';
import { CodeFramer, type Suffix } from './framing.js';
import { PollTimer } from './poll-timer.js';
import type { ScanSink, ScanSource } from './scan-hub.js';
import { loadSerialPort, type SerialPortHandle, type SerialPortModule } from '../serial-port.js';
import { messageOf } from '../../base/errors.js';

export interface SerialScannerOptions {
  /** A device path (/dev/ttyACM0, COM3), or empty to find the port by vendorId/productId. */
  readonly path: string;
  /** USB ids as hex strings (e.g. "0c2e"), used when path is empty. */
  readonly vendorId: string;
  readonly productId: string;
  readonly baudRate: number;
  readonly suffix: Suffix;
  readonly prefix: string;
  /** How often to look for the scanner while it is absent, and to check it is still there. */
  readonly pollMs: number;
  readonly log: Logger;
}

/**
 * A serial (USB-CDC or RS-232) scanner. Opens the port, cuts its bytes into codes, and when the
 * port goes away (unplugged: a close event, or the port vanishing from the list) keeps looking
 * for it every `pollMs` and reopens it. A code is emitted when its suffix arrives, once; a code
 * cut off by the unplug is dropped with its port.
 */
export class SerialScannerSource implements ScanSource {
  readonly kind = 'serial' as const;
  readonly id: string;
  private port: SerialPortHandle | null = null;
  private readonly poll: PollTimer;
  private sink: ScanSink | null = null;
  private readonly framer: CodeFramer;

  constructor(
    private readonly options: SerialScannerOptions,
    private readonly load: () => Promise<SerialPortModule> = loadSerialPort,
  ) {
    this.id = `serial:${options.path || `${options.vendorId}:${options.productId}`}`;
    this.poll = new PollTimer(options.pollMs);
    this.framer = new CodeFramer({ suffix: options.suffix, prefix: options.prefix });
  }

  start(sink: ScanSink): void {
    this.sink = sink;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.poll.stop();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async connect(): Promise<void> {
    if (this.poll.stopped || !this.sink) return;
    let module: SerialPortModule;
    try {
      module = await this.load();
    } catch (error) {
      this.sink.status('unavailable', `the serial port driver could not be loaded: ${messageOf(error)}`);
      this.options.log.error({ err: error, source: this.id }, 'serial scanner driver unavailable');
      return;
    }
    const path = await this.findPath(module).catch(() => null);
    if (this.poll.stopped) return;
    if (!path) {
      this.sink.status('waiting', this.options.path ? `${this.options.path} is not there` : 'no port with that USB id');
      this.poll.schedule(() => this.connect());
      return;
    }
    const port = new module.SerialPort({ path, baudRate: this.options.baudRate, autoOpen: false });
    port.on('data', (chunk) => this.onData(port, chunk));
    port.on('error', (error) => this.options.log.warn({ err: error, source: this.id }, 'serial scanner error'));
    port.on('close', () => this.onClose(port));
    port.open((error) => {
      if (this.poll.stopped) {
        if (!error) port.close();
        return;
      }
      if (error) {
        this.sink?.status('waiting', `cannot open ${path}: ${error.message}`);
        this.poll.schedule(() => this.connect());
        return;
      }
      this.port = port;
      this.framer.reset();
      this.sink?.status('connected', path);
      this.options.log.info({ source: this.id, path }, 'serial scanner connected');
      this.poll.schedule(() => this.watch(module, port));
    });
  }

  /** While connected: a port that vanished from the system without a close event is closed. */
  private async watch(module: SerialPortModule, port: SerialPortHandle): Promise<void> {
    if (this.poll.stopped || this.port !== port) return;
    const path = await this.findPath(module).catch(() => null);
    if (this.poll.stopped || this.port !== port) return;
    if (!path) port.close();
    else this.poll.schedule(() => this.watch(module, port));
  }

  private onData(port: SerialPortHandle, chunk: Buffer): void {
    if (this.port !== port || !this.sink) return;
    for (const frame of this.framer.push(chunk)) {
      if (frame.kind === 'code') this.sink.code(frame.code);
      else this.sink.unreadable(frame.reason);
    }
  }

  private onClose(port: SerialPortHandle): void {
    if (this.port !== port) return;
    this.port = null;
    if (this.framer.buffered > 0) this.sink?.unreadable('cut-off');
    this.framer.reset();
    if (this.poll.stopped) return;
    this.options.log.warn({ source: this.id }, 'serial scanner disconnected; looking for it');
    this.sink?.status('waiting', 'disconnected');
    this.poll.schedule(() => this.connect());
  }

  private async findPath(module: SerialPortModule): Promise<string | null> {
    if (this.options.path) {
      // Ports that list() does not show (pseudo-terminals, some adapters) are checked by name.
      const { existsSync } = await import('node:fs');
      if (process.platform === 'win32') {
        const ports = await module.SerialPort.list();
        return ports.some((p) => p.path.toLowerCase() === this.options.path.toLowerCase()) ? this.options.path : null;
      }
      return existsSync(this.options.path) ? this.options.path : null;
    }
    const ports = await module.SerialPort.list();
    const match = ports.find(
      (p) =>
        sameId(p.vendorId, this.options.vendorId) &&
        (!this.options.productId || sameId(p.productId, this.options.productId)),
    );
    return match?.path ?? null;
  }
}

function sameId(actual: string | undefined, wanted: string): boolean {
  return !!actual && !!wanted && parseInt(actual, 16) === parseInt(wanted, 16);
}
