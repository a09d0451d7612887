/**
 * The `serialport` package, shared by serial scanners and serial printers. Loaded on first use,
 * so a native module that fails to load disables only the serial devices, with a clear message.
 */

/** What we use of the `serialport` package; loaded on first start so a broken build only disables serial scanners. */
export interface SerialPortModule {
  SerialPort: {
    new (options: { path: string; baudRate: number; autoOpen: false }): SerialPortHandle;
    list(): Promise<{ path: string; vendorId?: string; productId?: string }[]>;
  };
}
export interface SerialPortHandle {
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (error?: Error & { disconnected?: boolean }) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  readonly isOpen: boolean;
}

export async function loadSerialPort(): Promise<SerialPortModule> {
  return (await import('serialport')) as unknown as SerialPortModule;
}
