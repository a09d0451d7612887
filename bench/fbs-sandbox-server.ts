/** The FBS sandbox in its own process for the claims look-up benchmark. Prints its base URL. */
import { FbsSandbox } from '../integrations/fbs/sandbox/server.js';

const sandbox = new FbsSandbox();
process.stdout.write(`${await sandbox.start()}\n`);
process.stdin.resume();
process.stdin.on('end', () => void sandbox.close().then(() => process.exit(0)));
