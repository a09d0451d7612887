import { loadNodeHid, type HidDeviceInfo } from './scanner/hid-pos.js';
import type { ScanHub, SourceStatus } from './scanner/scan-hub.js';
import { loadSerialPort } from './serial-port.js';
import type { PrinterStatus, ReceiptPrinter } from './printer/printer.js';

/** What the technician screen shows about the machine's devices. */
export interface DeviceListing {
  readonly serialPorts:
    | {
        readonly ok: true;
        readonly ports: readonly { path: string; vendorId: string; productId: string; manufacturer: string }[];
      }
    | { readonly ok: false; readonly error: string };
  readonly hid:
    | { readonly ok: true; readonly devices: readonly HidDeviceInfo[] }
    | { readonly ok: false; readonly error: string };
  readonly scanners: readonly SourceStatus[];
  readonly printer: { readonly description: string; readonly status: PrinterStatus };
}

export async function listDevices(parts: {
  readonly scanners: ScanHub;
  readonly printer: ReceiptPrinter;
  readonly loadHid?: typeof loadNodeHid;
}): Promise<DeviceListing> {
  const [serialPorts, hid, printerStatus] = await Promise.all([
    loadSerialPort()
      .then((m) => m.SerialPort.list())
      .then(
        (ports) =>
          ({
            ok: true,
            ports: ports.map((p) => ({
              path: p.path,
              vendorId: p.vendorId ?? '',
              productId: p.productId ?? '',
              manufacturer: (p as { manufacturer?: string }).manufacturer ?? '',
            })),
          }) as const,
      )
      .catch((error: Error) => ({ ok: false, error: `serial ports cannot be listed: ${error.message}` }) as const),
    (parts.loadHid ?? loadNodeHid)()
      .then((backend) => backend.devices())
      .then((devices) => ({ ok: true, devices }) as const)
      .catch((error: Error) => ({ ok: false, error: error.message }) as const),
    parts.printer.status(),
  ]);
  return {
    serialPorts,
    hid,
    scanners: parts.scanners.status(),
    printer: { description: parts.printer.description, status: printerStatus },
  };
}
