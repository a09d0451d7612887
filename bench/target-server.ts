/** A local HTTP endpoint for the outbox benchmark, in its own process so it has its own core. */
import { startStandinTarget } from '../tests/support/standin-target.js';

const target = await startStandinTarget();
process.stdout.write(`${target.url}\n`);
process.on('message', () => process.stdout.write(`${target.registered.size}\n`));
process.stdin.resume();
process.stdin.on('end', () => void target.close().then(() => process.exit(0)));
