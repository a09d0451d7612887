import type { Migration } from './migration.js';

/** Finding expired leases and the next lease expiry without scanning the table. */
export const m004OutboxLeaseIndex: Migration = {
  version: 4,
  name: 'outbox lease index',
  sql: `CREATE INDEX outbox_leases ON outbox(state, lease_until);`,
};
