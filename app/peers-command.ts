/**
 * `npm run peers -- [--dir DIR] [--kiosks N] [--base-port P] [--step-ms MS]`: the kiosk's peers
 * (FBS and ØiR sandboxes, a terminal and a printer simulator per kiosk) in their own process on
 * fixed ports, until Ctrl-C. Start a kiosk against them with the printed command, kill it at any
 * moment (kill -9), start it again, and read the ledgers at the control address. See docs/demo.md
 * ("Peers outside the kiosk").
 */
import { parseArgs } from 'node:util';
import { startPeers } from './peers.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: 'peers-run' },
    kiosks: { type: 'string', default: '1' },
    'base-port': { type: 'string', default: '7300' },
    'step-ms': { type: 'string', default: '700' },
  },
});
const kiosks = Number(values.kiosks);
const basePort = Number(values['base-port']);
if (!Number.isInteger(kiosks) || kiosks < 1 || kiosks > 9) throw new Error('--kiosks must be 1 to 9');
if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) throw new Error('--base-port: 1024 to 65000');

const peers = await startPeers({
  dir: values.dir,
  kiosks,
  basePort,
  terminalStepMs: Number(values['step-ms']),
});
const summary = (await (await fetch(peers.controlUrl)).json()) as {
  kiosks: { kiosk: number; start: string }[];
};
console.log(`Peers are running. Control: ${peers.controlUrl} (GET / lists every control; GET /ledgers).`);
console.log(`FBS sandbox: ${peers.fbs.url}   ØiR sandbox (mutual TLS): ${peers.oeir.url}`);
for (const k of summary.kiosks) console.log(`Kiosk ${k.kiosk}: ${k.start}`);
console.log('Demo cards and PINs: docs/demo.md. Ctrl-C stops the peers (their ledgers live in memory).');
const stop = (): void => {
  void peers.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
