/**
 * The MobilePay ePayment sandbox in its own process, for the benchmark. Prints one JSON line: its
 * URL, CA and credentials.
 */
import { MobilePaySandbox } from '../integrations/mobilepay/sandbox/server.js';

const sandbox = new MobilePaySandbox();
const url = await sandbox.start();
process.stdout.write(
  `${JSON.stringify({
    url,
    caPem: sandbox.caPem,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    subscriptionKey: sandbox.subscriptionKey,
    merchantSerialNumber: sandbox.merchantSerialNumber,
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => void sandbox.close().then(() => process.exit(0)));
