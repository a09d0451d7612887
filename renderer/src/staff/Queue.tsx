import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDkk, type PaymentEntry, type StaffPaymentAction, type StaffRequest } from '../../../contract/index.js';
import { shiftDay, useLocalTime } from '../local-time.js';
import { type Ask, useOutcome, useStaffData } from './use-staff-data.js';

export function Queue({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const local = useLocalTime();
  // Today's by default; an earlier day to find a payment to refund (the receipt has its date).
  // Days are stepped with buttons and spelled out in the screen's language: a browser's date
  // field would show the browser's format (US in Chromium here), not the library's.
  const [date, setDate] = useState<string | undefined>(undefined);
  const request = useMemo<StaffRequest>(() => (date ? { op: 'day', date } : { op: 'day' }), [date]);
  const { data, outcome, reload: load } = useStaffData(ask, request, 'day');
  const report = data?.report ?? null;
  const [today, setToday] = useState<string | null>(null);
  useEffect(() => {
    if (report && !date) setToday(report.date);
  }, [report, date]);
  const shown = report?.date ?? date ?? null;
  return (
    <>
      <h1>{date && shown ? t('desk.queue.titleOn', { date: local.day(shown) }) : t('desk.queue.title')}</h1>
      <div className="desk-actions">
        <button type="button" className="secondary" onClick={load}>
          {t('desk.queue.refresh')}
        </button>
        {shown && (
          <>
            <button type="button" className="secondary" onClick={() => setDate(shiftDay(shown, -1))}>
              {t('desk.queue.previousDay')}
            </button>
            <span className="desk-day" data-testid="queue-date" data-date={shown}>
              {local.day(shown)}
            </span>
            {today && shown < today && (
              <button
                type="button"
                className="secondary"
                onClick={() => setDate(shiftDay(shown, 1) === today ? undefined : shiftDay(shown, 1))}
              >
                {t('desk.queue.nextDay')}
              </button>
            )}
          </>
        )}
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
  const { t } = useTranslation();
  const local = useLocalTime();
  const [open, setOpen] = useState<StaffPaymentAction | null>(null);
  const [reason, setReason] = useState('');
  const [ref, setRef] = useState('');
  const [outcome, run] = useOutcome();
  const time = local.time(payment.createdAt);
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
      {payment.declineCode && (
        <p className="desk-reason" data-testid="decline">
          {t(`desk.decline.${payment.declineCode}`)}
        </p>
      )}
      <p className="desk-next" data-testid="next-step">
        <strong>{t('desk.queue.next')}:</strong> {t(`desk.next.${payment.state}`)}
      </p>
      {payment.reason && (
        <details className="desk-reason">
          <summary>{t('desk.queue.details')}</summary>
          {payment.reason}
        </details>
      )}
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
