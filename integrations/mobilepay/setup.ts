import QRCode from 'qrcode';
import type { Logger } from '../../base/log.js';
import { MobilePayPayments } from './client.js';
import { mobilePayEnabled, type MobilePayConfig } from './config.js';
import { MobilePaySandbox } from './sandbox/server.js';
import { MOBILEPAY_HOSTS } from './wire.js';

export interface MobilePaySetup {
  /** Null when MobilePay is not offered. */
  readonly payments: MobilePayPayments | null;
  /** The built-in sandbox (demo), to play the borrower's phone. */
  readonly sandbox: MobilePaySandbox | null;
  readonly description: string;
  close(): Promise<void>;
}

/** The QR the borrower scans, drawn here from the payment's link: no image is fetched from outside. */
export function drawQr(content: string): Promise<string> {
  return QRCode.toString(content, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
}

export async function setUpMobilePay(
  config: { mode: 'demo' | 'production'; mobilepay: MobilePayConfig },
  version: string,
  log: Logger,
): Promise<MobilePaySetup> {
  const c = config.mobilepay;
  if (!mobilePayEnabled(config))
    return { payments: null, sandbox: null, description: 'not offered', close: () => Promise.resolve() };
  let sandbox: MobilePaySandbox | null = null;
  let access = {
    baseUrl: c.baseUrl || (c.environment === 'sandbox' ? '' : MOBILEPAY_HOSTS[c.environment]),
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    subscriptionKey: c.subscriptionKey,
    merchantSerialNumber: c.merchantSerialNumber,
    caPem: '',
  };
  if (c.environment === 'sandbox') {
    sandbox = new MobilePaySandbox();
    const url = await sandbox.start();
    access = {
      baseUrl: url,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      subscriptionKey: sandbox.subscriptionKey,
      merchantSerialNumber: sandbox.merchantSerialNumber,
      caPem: sandbox.caPem,
    };
    log.info({ mobilepay: url }, 'demo mode: MobilePay sandbox started');
  }
  const payments = new MobilePayPayments({
    ...access,
    systemName: c.systemName,
    systemVersion: version,
    firstPollMs: Math.min(5_000, c.pollIntervalMs * 2.5),
    pollIntervalMs: c.pollIntervalMs,
    requestTimeoutMs: c.requestTimeoutMs,
    maxTransitMs: c.requestTimeoutMs,
    paymentDescription: c.paymentDescription,
    drawQr,
    log: log.child({ integration: 'mobilepay' }),
  });
  return {
    payments,
    sandbox,
    description: sandbox ? 'demo: the built-in MobilePay sandbox' : `${access.baseUrl} (MSN ${c.merchantSerialNumber})`,
    async close() {
      await payments.close();
      await sandbox?.close();
    },
  };
}
