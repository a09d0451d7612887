import type { Logger } from 'pino';
import { withTimeout, type PrinterLink, type PrinterTransport } from './transport.js';

/**
 * A receipt printer. Printing never holds up a payment: it is tried after the payment is
 * recorded, bounded by `timeoutMs`, and any failure comes back as a result (never an exception)
 * so the kiosk can show the receipt on screen instead.
 *
 * Before printing, the printer's real-time status (ESC/POS DLE EOT 1, 2 and 4) is asked: out of
 * paper, cover open, offline → nothing is sent. After sending, the paper sensor is asked again:
 * paper that ran out during the receipt counts as not printed.
 */
export type PrinterState =
  | 'ready'
  | 'paper-low'
  | 'paper-out'
  | 'cover-open'
  | 'offline'
  | 'error'
  | 'unreachable'
  | 'no-status' // connected, but the printer does not answer status requests (or cannot: USB device file)
  | 'not-configured';

export interface PrinterStatus {
  readonly state: PrinterState;
  readonly detail: string;
}

export type PrintResult =
  | { readonly printed: true; readonly confirmed: boolean; readonly status: PrinterStatus }
  | { readonly printed: false; readonly status: PrinterStatus };

const DLE_EOT = (n: number) => Uint8Array.of(0x10, 0x04, n);
/** Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear. */
const isStatusByte = (b: number | null): b is number => b !== null && (b & 0x93) === 0x12;
const CANNOT_PRINT: readonly PrinterState[] = ['paper-out', 'cover-open', 'offline', 'error', 'unreachable'];

export interface ReceiptPrinterOptions {
  readonly timeoutMs: number;
  /** How long to wait for the answer to one status request. */
  readonly statusTimeoutMs: number;
  readonly log: Logger;
}

export interface ReceiptPrinter {
  readonly description: string;
  status(): Promise<PrinterStatus>;
  print(bytes: Uint8Array): Promise<PrintResult>;
}

export function noPrinter(): ReceiptPrinter {
  const status: PrinterStatus = { state: 'not-configured', detail: 'no receipt printer is configured' };
  return {
    description: 'none',
    status: () => Promise.resolve(status),
    print: () => Promise.resolve({ printed: false, status }),
  };
}

export class EscPosPrinter implements ReceiptPrinter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: PrinterTransport,
    private readonly options: ReceiptPrinterOptions,
  ) {}

  get description(): string {
    return this.transport.description;
  }

  status(): Promise<PrinterStatus> {
    return this.serialised(() =>
      this.withLink(
        (link) => this.ask(link),
        (error) => ({ state: 'unreachable', detail: error.message }),
      ),
    );
  }

  print(bytes: Uint8Array): Promise<PrintResult> {
    return this.serialised(() =>
      this.withLink<PrintResult>(
        async (link) => {
          const before = await this.ask(link);
          if (CANNOT_PRINT.includes(before.state)) return { printed: false, status: before };
          await link.write(bytes);
          if (before.state === 'no-status') return { printed: true, confirmed: false, status: before };
          const after = await this.ask(link);
          if (after.state === 'paper-out') return { printed: false, status: after };
          return { printed: true, confirmed: after.state !== 'no-status', status: after };
        },
        (error) => ({ printed: false, status: { state: 'unreachable', detail: error.message } }),
      ),
    );
  }

  private async withLink<T>(use: (link: PrinterLink) => Promise<T>, failed: (error: Error) => T): Promise<T> {
    let link: PrinterLink | null = null;
    try {
      link = await this.transport.open(this.options.timeoutMs);
      return await withTimeout(
        use(link),
        this.options.timeoutMs,
        `the printer did not finish within ${this.options.timeoutMs} ms`,
      );
    } catch (error) {
      this.options.log.warn({ err: error, printer: this.description }, 'receipt printer failed');
      return failed(error as Error);
    } finally {
      link?.close();
    }
  }

  private async ask(link: PrinterLink): Promise<PrinterStatus> {
    const timeout = this.options.statusTimeoutMs;
    const printer = await link.ask(DLE_EOT(1), timeout);
    if (!isStatusByte(printer)) return { state: 'no-status', detail: 'the printer does not report its status' };
    const paper = await link.ask(DLE_EOT(4), timeout);
    if (isStatusByte(paper) && (paper & 0x60) !== 0) return { state: 'paper-out', detail: 'out of paper' };
    if ((printer & 0x08) !== 0) {
      const cause = await link.ask(DLE_EOT(2), timeout);
      if (isStatusByte(cause) && (cause & 0x04) !== 0) return { state: 'cover-open', detail: 'the cover is open' };
      if (isStatusByte(cause) && (cause & 0x20) !== 0) return { state: 'paper-out', detail: 'out of paper' };
      if (isStatusByte(cause) && (cause & 0x40) !== 0)
        return { state: 'error', detail: 'the printer reports an error' };
      return { state: 'offline', detail: 'the printer is offline' };
    }
    if (isStatusByte(paper) && (paper & 0x0c) !== 0) return { state: 'paper-low', detail: 'paper is running low' };
    return { state: 'ready', detail: 'ready' };
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
