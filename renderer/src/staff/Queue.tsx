import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDkk, type PaymentEntry, type StaffPaymentAction, type StaffRequest } from '../../../contract/index.js';
import { type Ask, useOutcome, useStaffData } from './use-staff-data.js';

export function Queue({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  // Today's by default; an earlier day to find a payment to refund (the receipt has its date).
  const [date, setDate] = useState<string | undefined>(undefined);
  const request = useMemo<StaffRequest>(() => (date ? { op: 'day', date } : { op: 'day' }), [date]);
  const { data, outcome, reload: load } = useStaffData(ask, request, 'day');
  const report = data?.report ?? null;
  return (
    <>
      <h1>{date ? t('desk.queue.titleOn', { date }) : t('desk.queue.title')}</h1>
      <div className="desk-actions">
        <button type="button" className="secondary" onClick={load}>
          {t('desk.queue.refresh')}
        </button>
        <label>
          {t('desk.queue.day')}{' '}
          <input
            type="date"
            data-testid="queue-date"
            value={report?.date ?? ''}
            onChange={(e) => setDate(/^\d{4}-\d{2}-\d{2}$/u.test(e.target.value) ? e.target.value : undefined)}
          />
        </label>
      </div>
      {outcome}
      {report && report.payments.length === 0 && (
        <p className="lead">{t(date ? 'desk.queue.emptyOn' : 'desk.queue.empty')}</p>
      )}
      <ul className="desk-list">
        {report?.payments
          .slice()
          .reverse()
          .map((p) => (
            <PaymentRow key={p.id} payment={p} ask={ask} onChanged={load} />
          ))}
      </ul>
    </>
  );
}

const NEEDS_REASON: readonly StaffPaymentAction[] = [
  'void',
  'resolve-charged',
  'resolve-not-charged',
  'resolve-registered',
  'refund',
  'confirm-reinstated',
];

function PaymentRow({ payment, ask, onChanged }: { payment: PaymentEntry; ask: Ask; onChanged(): void }) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState<StaffPaymentAction | null>(null);
  const [reason, setReason] = useState('');
  const [ref, setRef] = useState('');
  const [outcome, run] = useOutcome();
  const time = new Intl.DateTimeFormat(i18n.language === 'da' ? 'da-DK' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(payment.createdAt));
  const perform = (action: StaffPaymentAction) => {
    const paymentId = payment.id;
    const request: StaffRequest =
      action === 'retry'
        ? { op: 'retry', paymentId }
        : action === 'reprint'
          ? { op: 'reprint', paymentId }
          : action === 'void' || action === 'refund' || action === 'confirm-reinstated'
            ? { op: action, paymentId, reason }
            : action === 'resolve-charged'
              ? { op: 'resolve', paymentId, resolution: { kind: 'charged', terminalTransactionRef: ref, reason } }
              : action === 'resolve-not-charged'
                ? { op: 'resolve', paymentId, resolution: { kind: 'not-charged', reason } }
                : { op: 'resolve', paymentId, resolution: { kind: 'registered', reason } };
    run(
      ask(request).then((result) => {
        setOpen(null);
        setReason('');
        if (result.kind !== 'printed') onChanged();
        return result.kind === 'printed' && !result.printed ? result.detail : t('desk.queue.done');
      }),
    );
  };
  return (
    <li className="desk-payment" data-state={payment.state} data-testid={`payment-${payment.id}`}>
      <div className="desk-payment-head">
        <span>{time}</span>
        <strong>
          {payment.refund?.state === 'refunded' ? t('desk.refund.stateLabel') : t(`desk.state.${payment.state}`)}
        </strong>
        <span className="amount">{formatDkk(payment.amountOre)}</span>
      </div>
      {payment.deliveries.length > 0 && (
        <p className="desk-deliveries">
          {t('desk.queue.deliveries')}:{' '}
          {payment.deliveries
            .map((d) => `${d.route === 'fbs' ? 'FBS' : 'ØiR'} ${t(`desk.delivery.${d.state}`)}`)
            .join(', ')}
        </p>
      )}
      {payment.reason && <p className="desk-reason">{payment.reason}</p>}
      {payment.refund && (
        <p className="desk-refund" data-testid="refund-state">
          {t(`desk.refund.${payment.refund.reinstated ? 'reinstated' : payment.refund.state}`, {
            amount: formatDkk(payment.refund.amountOre),
            by: payment.refund.requestedBy,
            where: payment.refund.registeredIn.map((r) => (r === 'fbs' ? 'FBS' : t('desk.refund.debtor'))).join(' + '),
            detail: payment.refund.detail ?? '',
          })}
        </p>
      )}
      <div className="desk-actions">
        {payment.actions.map((action) => (
          <button
            key={action}
            type="button"
            className="secondary"
            onClick={() => (NEEDS_REASON.includes(action) ? setOpen(action) : perform(action))}
          >
            {t(`desk.action.${action}`)}
          </button>
        ))}
      </div>
      {open && (
        <div className="desk-form">
          {open === 'refund' && <p className="warning">{t('desk.refund.explain')}</p>}
          {open === 'resolve-charged' && (
            <label>
              {t('desk.queue.terminalRef')}
              <input value={ref} onChange={(e) => setRef(e.target.value)} />
            </label>
          )}
          <label>
            {t('desk.queue.reason')}
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="desk-actions">
            <button type="button" className="primary" disabled={reason.trim().length < 5} onClick={() => perform(open)}>
              {t(`desk.action.${open}`)}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(null)}>
              {t('desk.queue.cancel')}
            </button>
          </div>
        </div>
      )}
      {outcome}
    </li>
  );
}
