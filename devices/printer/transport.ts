import { open as openFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { loadSerialPort } from '../serial-port.js';

/** One open connection to a receipt printer. */
export interface PrinterLink {
  write(bytes: Uint8Array): Promise<void>;
  /** Sends a real-time request and returns the one byte the printer answers, or null if it does not answer in time. */
  ask(request: Uint8Array, timeoutMs: number): Promise<number | null>;
  close(): void;
}

/** How to reach the printer: network (TCP 9100), serial, or a USB printer device file. */
export interface PrinterTransport {
  readonly description: string;
  open(timeoutMs: number): Promise<PrinterLink>;
}

/** Bytes the printer sends back, handed to whoever asked. */
class Answers {
  private bytes: number[] = [];
  private waiter: ((byte: number) => void) | null = null;

  take(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = null;
        waiter(byte);
      } else this.bytes.push(byte);
    }
  }

  async next(timeoutMs: number): Promise<number | null> {
    this.bytes = []; // an earlier, late answer must not pass for this one
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = (byte) => {
        clearTimeout(timer);
        resolve(byte);
      };
    });
  }
}

export function tcpPrinter(host: string, port: number): PrinterTransport {
  return {
    description: `tcp://${host}:${port}`,
    open: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const socket: Socket = connect({ host, port });
        const answers = new Answers();
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no connection to ${host}:${port} within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        socket.on('data', (chunk) => answers.take(chunk));
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.removeAllListeners('error');
          let failure: Error | null = null;
          socket.on('error', (error) => (failure = error));
          resolve({
            write: (bytes) =>
              new Promise((done, fail) => {
                if (failure) return fail(failure);
                socket.write(bytes, (error) => (error ? fail(error) : done()));
              }),
            ask: async (request, askTimeoutMs) => {
              const answer = answers.next(askTimeoutMs);
              socket.write(request);
              return answer;
            },
            close: () => socket.end(),
          });
        });
      }),
  };
}

export function serialPrinter(path: string, baudRate: number): PrinterTransport {
  return {
    description: `serial:${path}@${baudRate}`,
    async open(timeoutMs) {
      const { SerialPort } = await loadSerialPort();
      const port = new SerialPort({ path, baudRate, autoOpen: false });
      const answers = new Answers();
      port.on('data', (chunk) => answers.take(chunk));
      port.on('error', () => undefined);
      await withTimeout(
        new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve()))),
        timeoutMs,
        `cannot open ${path}`,
      );
      const writable = port as unknown as {
        write(data: Uint8Array, cb: (error?: Error | null) => void): void;
        drain(cb: (error?: Error | null) => void): void;
      };
      const write = (bytes: Uint8Array) =>
        new Promise<void>((resolve, reject) =>
          writable.write(bytes, (error) =>
            error ? reject(error) : writable.drain((e) => (e ? reject(e) : resolve())),
          ),
        );
      return {
        write,
        ask: async (request, askTimeoutMs) => {
          const answer = answers.next(askTimeoutMs);
          await write(request);
          return answer;
        },
        close: () => port.close(),
      };
    },
  };
}

/**
 * A USB printer through the operating system's printer device (/dev/usb/lp0 on Linux). Write
 * only: the kiosk cannot ask this kind of connection for paper status, so a receipt sent this
 * way is reported as printed without confirmation.
 */
export function usbPrinter(devicePath: string): PrinterTransport {
  return {
    description: `usb:${devicePath}`,
    async open(timeoutMs) {
      const file = await withTimeout(openFile(devicePath, 'w'), timeoutMs, `cannot open ${devicePath}`);
      return {
        write: async (bytes) => {
          await withTimeout(file.write(bytes), timeoutMs, `writing to ${devicePath} timed out`);
        },
        ask: () => Promise.resolve(null),
        close: () => void file.close().catch(() => undefined),
      };
    },
  };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
