/**
 * Power-loss style burst for the fault matrix: payments driven through the journal and outbox
 * as fast as the disk allows (intent → authorizing → approved with its registrations → each
 * registration leased and delivered → settled), until the parent kills this process with
 * SIGKILL at a random moment. After each committed approval it prints the payment id, so the
 * parent can check that nothing acknowledged as committed is missing.
 *   KIOSK_DATA_DIR   the database folder
 */
import { join } from 'node:path';
import { AuditLog } from '../../db/audit.js';
import { PaymentJournal } from '../../db/journal.js';
import { openDatabase } from '../../db/open.js';
import { OutboxStore } from '../../db/outbox.js';
import { DATABASE_FILE } from '../../core/core.js';
import { planDeliveries } from '../../core/deliveries.js';
import { line } from '../support/fixtures.js';

const db = openDatabase(join(process.env.KIOSK_DATA_DIR!, DATABASE_FILE));
const audit = new AuditLog(db);
const outbox = new OutboxStore(db);
const journal = new PaymentJournal(db, outbox, audit);
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
say({ event: 'started' });

for (let n = 0; ; n++) {
  const intent = journal.createIntent({
    channel: 'kiosk',
    patronId: `burst-${n % 7}`,
    lines: [line(`${2 * n + 1}`, 1000 + n, 'fbs'), line(`${2 * n + 2}`, 2500, 'debtor')],
    actor: 'kiosk',
  });
  journal.markAuthorizing(intent.id, { requestRef: `ref-${n}` });
  journal.approve(intent.id, `TX-${n}`, planDeliveries(intent, `TX-${n}`, new Date()));
  say({ event: 'approved', id: intent.id });
  for (const row of outbox.leaseDue(4, 60_000)) outbox.markDelivered(row, { registered: row.idempotencyKey });
  // Let the parent's timer fire between payments as well as inside them.
  if (n % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
}
