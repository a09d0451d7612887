import type { PrinterConfig } from './config.js';
import type { Logger } from '../../base/log.js';
import { EscPosPrinter, noPrinter, type ReceiptPrinter } from './printer.js';
import { PrinterSimulator } from './simulator.js';
import { serialPrinter, tcpPrinter, usbPrinter, type PrinterTransport } from './transport.js';

export interface PrinterSetup {
  readonly printer: ReceiptPrinter;
  /** Demo mode: the simulated network printer receipts go to. */
  readonly simulator: PrinterSimulator | null;
  close(): Promise<void>;
}

export async function setUpPrinter(config: PrinterConfig, log: Logger): Promise<PrinterSetup> {
  if (config.type === 'none') return { printer: noPrinter(), simulator: null, close: () => Promise.resolve() };
  let simulator: PrinterSimulator | null = null;
  let transport: PrinterTransport;
  switch (config.type) {
    case 'simulator':
      simulator = await PrinterSimulator.start();
      transport = tcpPrinter(simulator.host, simulator.port);
      log.info({ printer: transport.description }, 'demo mode: printer simulator started');
      break;
    case 'tcp':
      transport = tcpPrinter(config.host, config.port);
      break;
    case 'serial':
      transport = serialPrinter(config.path, config.baudRate);
      break;
    case 'usb':
      transport = usbPrinter(config.path);
      break;
  }
  const printer = new EscPosPrinter(transport, {
    timeoutMs: config.timeoutMs,
    statusTimeoutMs: config.statusTimeoutMs,
    log: log.child({ device: 'printer' }),
  });
  return { printer, simulator, close: async () => simulator?.close() };
}
