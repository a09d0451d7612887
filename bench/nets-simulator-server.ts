/**
 * The Nets Connect@Cloud simulator (no card-flow delays) in its own process, for the benchmark.
 * Prints one JSON line: its URL, CA, account and terminal id.
 */
import { NetsCloudSimulator } from '../devices/terminal/nets-cloud/simulator.js';

const simulator = new NetsCloudSimulator({ timing: { stepMs: 0 } });
const url = await simulator.start();
process.stdout.write(
  `${JSON.stringify({ url, caPem: simulator.caPem, username: simulator.username, password: simulator.password, terminalId: simulator.terminalId })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => void simulator.close().then(() => process.exit(0)));
