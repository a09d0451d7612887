import type { Migration } from './migration.js';

/**
 * How a payment was paid: on the card terminal, or with MobilePay (a QR scanned in the app). The
 * recovery of a payment in doubt, a staff void and the day's totals go to the method the payment
 * used. Payments before this were all paid by card.
 */
export const m014PaymentMethod: Migration = {
  version: 14,
  name: 'payment method',
  sql: `
    ALTER TABLE payments ADD COLUMN method TEXT NOT NULL DEFAULT 'card' CHECK (method IN ('card', 'mobilepay'));
  `,
};
