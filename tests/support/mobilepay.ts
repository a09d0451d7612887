import { randomUUID } from 'node:crypto';
import { MobilePayPayments, type MobilePayOptions } from '../../integrations/mobilepay/client.js';
import type { MobilePaySandbox } from '../../integrations/mobilepay/sandbox/server.js';
import type { TerminalProgress } from '../../ports/payment-terminal.js';

/** The MobilePay client pointed at a running sandbox, with test-sized polling and timeouts. */
export function mobilePayFor(
  sandbox: MobilePaySandbox,
  options: Pick<MobilePayOptions, 'log'> & Partial<MobilePayOptions>,
): MobilePayPayments {
  return new MobilePayPayments({
    baseUrl: sandbox.url,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    subscriptionKey: sandbox.subscriptionKey,
    merchantSerialNumber: sandbox.merchantSerialNumber,
    systemName: 'library-payment-kiosk',
    systemVersion: '0.1.0',
    caPem: sandbox.caPem,
    firstPollMs: 5,
    pollIntervalMs: 5,
    requestTimeoutMs: 1_000,
    maxTransitMs: 200,
    paymentDescription: 'Gebyrer, Demo Bibliotek',
    drawQr: (content) => Promise.resolve(`<svg data-content="${content}"/>`),
    now: () => sandbox.now(),
    ...options,
  });
}

/** A payment started through the client; `shown` resolves when the QR is on the screen. */
export function startPayment(client: MobilePayPayments, amountOre: number) {
  const paymentId = randomUUID();
  let show: (qr: NonNullable<TerminalProgress['qr']>) => void = () => {};
  const shown = new Promise<NonNullable<TerminalProgress['qr']>>((resolve) => (show = resolve));
  const result = client.pay(
    { paymentId, requestRef: client.newRequestRef(paymentId), amountOre, currency: 'DKK' },
    (progress) => progress.qr && show(progress.qr),
  );
  return { paymentId, shown, result };
}
