import type { ScannerConfig } from './config.js';
import type { Logger } from '../../base/log.js';
import { compileCardPatterns, describeScan, parseScan } from './codes.js';
import { HidPosScannerSource } from './hid-pos.js';
import { ScanHub } from './scan-hub.js';
import { SerialScannerSource } from './serial-source.js';

/** The source id the renderer's keyboard-wedge detector submits under. */
export const WEDGE_SOURCE = 'wedge';

/**
 * The configured scanners, feeding one hub. Each source handles its own device coming and going;
 * one that cannot work here (a missing native library) reports why and leaves the others alone.
 */
export function setUpScanners(config: ScannerConfig, log: Logger): ScanHub {
  const hub = new ScanHub({ debounceMs: config.debounceMs });
  const rules = { libraryCardPatterns: compileCardPatterns(config.libraryCardPatterns) };
  // Scans are logged by kind only: a CPR or a card number never reaches a log line.
  hub.onScan((event) => {
    if (event.type === 'scan')
      log.info({ source: event.source, scan: describeScan(parseScan(event.code, rules)) }, 'scan');
    else log.warn({ source: event.source, reason: event.reason }, 'unreadable scan');
  });
  for (const serial of config.serial) {
    hub.add(
      new SerialScannerSource({
        ...serial,
        pollMs: config.reconnectPollMs,
        log: log.child({ device: 'scanner' }),
      }),
    );
  }
  if (config.hid.enabled) {
    hub.add(
      new HidPosScannerSource({
        vendorId: config.hid.vendorId ? parseInt(config.hid.vendorId, 16) : 0,
        productId: config.hid.productId ? parseInt(config.hid.productId, 16) : 0,
        pollMs: config.reconnectPollMs,
        log: log.child({ device: 'scanner' }),
      }),
    );
  }
  return hub;
}
