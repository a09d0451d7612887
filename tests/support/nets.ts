import { NetsCloudTerminal, type NetsCloudTerminalOptions } from '../../devices/terminal/nets-cloud/driver.js';
import type { NetsCloudSimulator } from '../../devices/terminal/nets-cloud/simulator.js';

/** The Nets driver pointed at a running Connect@Cloud simulator, with test-sized timeouts. */
export function netsDriverFor(
  sim: NetsCloudSimulator,
  options: Pick<NetsCloudTerminalOptions, 'log'> & Partial<NetsCloudTerminalOptions>,
): NetsCloudTerminal {
  return new NetsCloudTerminal({
    baseUrl: sim.url,
    username: sim.username,
    password: sim.password,
    terminalId: sim.terminalId,
    caPem: sim.caPem,
    purchaseTimeoutMs: 3_000,
    requestTimeoutMs: 1_000,
    maxTransitMs: 300,
    timeZone: 'Europe/Copenhagen',
    ...options,
  });
}
