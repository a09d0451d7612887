/**
 * The terminal simulator (encrypted, no borrower delays) in its own process, for the benchmark.
 * Prints one JSON line: its URL, POIID and CA.
 */
import { TerminalSimulator } from '../devices/terminal/simulator/server.js';
import { BENCH_TERMINAL_KEY } from './terminal-key.js';

const simulator = new TerminalSimulator({ key: BENCH_TERMINAL_KEY, timing: { stepMs: 0 } });
const url = await simulator.start();
process.stdout.write(`${JSON.stringify({ url, poiId: simulator.poiId, caPem: simulator.caPem })}\n`);
process.on('message', () => process.send?.({ payments: simulator.entries('Payment').length }));
process.stdin.resume();
process.stdin.on('end', () => void simulator.close().then(() => process.exit(0)));
