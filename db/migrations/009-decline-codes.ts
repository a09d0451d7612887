import type { Migration } from './migration.js';

/**
 * Decline reasons as a code in their own column, so no one reads them back out of text. Rows
 * written before this carried the code as the first word of their reason ("not-received: …");
 * they are given their code once, here.
 */
export const m009DeclineCodes: Migration = {
  version: 9,
  name: 'decline codes',
  sql: `
    ALTER TABLE payment_transitions ADD COLUMN code TEXT;
    UPDATE payment_transitions SET code = CASE
        WHEN reason LIKE 'not sent%' THEN 'not-sent'
        WHEN reason LIKE 'staff:%' THEN 'staff'
        WHEN reason LIKE 'terminal-check%' THEN 'terminal-check'
        WHEN reason LIKE 'abandoned%' THEN 'abandoned'
        WHEN substr(reason, 1, instr(reason || ':', ':') - 1) IN
          ('refused','cancelled','aborted','card-removed','wrong-pin','busy','logged-out','not-received','other')
          THEN substr(reason, 1, instr(reason || ':', ':') - 1)
        ELSE 'other' END
      WHERE to_state = 'declined';
  `,
};
