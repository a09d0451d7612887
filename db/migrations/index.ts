import { m001Journal } from './001-journal.js';
import { m002Outbox } from './002-outbox.js';
import { m003Audit } from './003-audit.js';
import { m004OutboxLeaseIndex } from './004-outbox-lease-index.js';
import { m005TerminalRequest } from './005-terminal-request.js';
import { m006StaffAccounts } from './006-staff-accounts.js';
import { m007OutboxHeld } from './007-outbox-held.js';
import { m008ClaimHoldsTerminalChecks } from './008-claim-holds-terminal-checks.js';
import { m009DeclineCodes } from './009-decline-codes.js';
import { m010KioskKeys } from './010-kiosk-keys.js';
import { m011TerminalTests } from './011-terminal-tests.js';
import { m012TerminalRecord } from './012-terminal-record.js';
import { m013TerminalClosings } from './013-terminal-closings.js';
import { m014PaymentMethod } from './014-payment-method.js';
import { m015Refunds } from './015-refunds.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** In order; MIGRATIONS[i].version === i + 1. */
export const MIGRATIONS: readonly Migration[] = [
  m001Journal,
  m002Outbox,
  m003Audit,
  m004OutboxLeaseIndex,
  m005TerminalRequest,
  m006StaffAccounts,
  m007OutboxHeld,
  m008ClaimHoldsTerminalChecks,
  m009DeclineCodes,
  m010KioskKeys,
  m011TerminalTests,
  m012TerminalRecord,
  m013TerminalClosings,
  m014PaymentMethod,
  m015Refunds,
];
export const LATEST_VERSION = MIGRATIONS.length;
