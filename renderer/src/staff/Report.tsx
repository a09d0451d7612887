import { useTranslation } from 'react-i18next';
import { useLocalTime } from '../local-time.js';
import { formatDkk, type StaffRequest } from '../../../contract/index.js';
import { type Ask, useStaffData } from './use-staff-data.js';

const TODAY: StaffRequest = { op: 'day' };

export function Report({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const local = useLocalTime();
  const { data, outcome, run, reload } = useStaffData(ask, TODAY, 'day');
  const report = data?.report ?? null;
  if (!report) return outcome;
  const x = report.totals;
  const row = (label: string, ore: number, testId: string) => (
    <tr>
      <th scope="row">{label}</th>
      <td className="amount" data-testid={testId}>
        {formatDkk(ore)}
      </td>
    </tr>
  );
  const csv = () =>
    run(
      // The core's CSV: the same file `kiosk report --csv` writes for the finance department.
      ask({ op: 'day-csv', date: report.date }).then((r) => {
        if (r.kind !== 'csv') return null;
        const link = document.createElement('a');
        link.href = `data:text/csv;charset=utf-8,${encodeURIComponent(r.text)}`;
        link.download = r.filename;
        link.click();
        return null;
      }),
    );
  return (
    <>
      <h1>{t('desk.report.title', { date: local.day(report.date) })}</h1>
      <table className="desk-totals">
        <tbody>
          {row(t('desk.report.cardApproved', { count: x.cardApproved.count }), x.cardApproved.ore, 'card-approved')}
          {row(t('desk.report.voided', { count: x.voided.count }), -x.voided.ore, 'voided')}
          {x.refunded.count > 0 &&
            row(t('desk.report.refunded', { count: x.refunded.count }), -x.refunded.ore, 'refunded')}
          {row(t('desk.report.net'), x.netCardOre, 'net-card')}
          {x.byMethod.mobilepay.count > 0 && (
            <>
              {row(t('desk.report.byCard', { count: x.byMethod.card.count }), x.byMethod.card.ore, 'by-card')}
              {row(
                t('desk.report.byMobilePay', { count: x.byMethod.mobilepay.count }),
                x.byMethod.mobilepay.ore,
                'by-mobilepay',
              )}
            </>
          )}
          {row(t('desk.report.fbs'), x.fbsRegisteredOre, 'fbs-registered')}
          {row(t('desk.report.oeir'), x.oeirDeliveredOre, 'oeir-delivered')}
          {row(t('desk.report.queued'), x.queuedOre, 'queued')}
          {row(t('desk.report.rejected'), x.rejectedOre, 'rejected')}
          {row(t('desk.report.staff'), x.resolvedByStaffOre, 'resolved-by-staff')}
          {x.refunded.count > 0 && row(t('desk.report.reopened'), -x.reopenedOre, 'reopened')}
        </tbody>
      </table>
      <p>
        {t('desk.report.declined', { count: x.declined.count })} ·{' '}
        {t('desk.report.inDoubt', { count: x.inDoubt.count })}
      </p>
      <p data-testid="terminal-totals">
        {t('desk.report.terminal', {
          captured: formatDkk(x.terminal.capturedOre),
          journal: formatDkk(x.terminal.journalOre),
          checked: x.terminal.checked,
          unchecked: x.terminal.unchecked,
        })}
      </p>
      {report.terminalTests.length > 0 && (
        <>
          <h2>{t('desk.report.tests', { count: report.terminalTests.length })}</h2>
          <ul className="desk-list" data-testid="terminal-tests">
            {report.terminalTests.map((test) => (
              <li key={test.id}>
                <strong>{formatDkk(test.amountOre)}</strong> {t(`desk.testState.${test.state}`)} – {test.actor}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.refunds.length > 0 && (
        <>
          <h2>{t('desk.report.refunds', { count: report.refunds.length })}</h2>
          <ul className="desk-list" data-testid="refunds">
            {report.refunds.map((r) => (
              <li key={r.paymentId}>
                <strong>{formatDkk(r.amountOre)}</strong>{' '}
                {r.method === 'mobilepay' ? 'MobilePay' : t('desk.report.card')} –{' '}
                {t(`desk.refund.${r.reinstated ? 'reinstated' : r.state}`, {
                  amount: formatDkk(r.amountOre),
                  by: r.requestedBy,
                  where: r.registeredIn.map((x) => (x === 'fbs' ? 'FBS' : t('desk.refund.debtor'))).join(' + '),
                  detail: r.detail ?? '',
                })}{' '}
                ({t('desk.report.paidOn', { date: local.date(r.paymentCreatedAt) })})
              </li>
            ))}
          </ul>
        </>
      )}
      {report.balanced ? (
        <p className="notice" data-testid="balanced">
          {t('desk.report.balanced')}
        </p>
      ) : (
        <>
          <h2 data-testid="mismatch-count">{t('desk.report.mismatches', { count: report.mismatches.length })}</h2>
          <ul className="desk-list">
            {report.mismatches.map((m) => (
              <li key={`${m.paymentId}-${m.kind}`}>
                <strong>{t(`desk.mismatch.${m.kind}`)}</strong> {formatDkk(m.amountOre)}
                <details className="desk-reason">
                  <summary>{t('desk.queue.details')}</summary>
                  {m.detail}
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
      {report.terminalClosings.map((closing) => (
        // Every closing of the day stays in the report (from the screen or `kiosk terminal reconcile`).
        <section key={closing.id} data-testid="terminal-reconciliation">
          {closing.state === 'done' ? (
            <>
              <h2>
                {t('desk.report.reconciled', {
                  at: local.dateTime(closing.closedAt!),
                  session: closing.session ?? '—',
                })}
              </h2>
              <p>
                {t('desk.report.kioskCard', {
                  count: closing.kioskCard?.count ?? 0,
                  amount: formatDkk(closing.kioskCard?.ore ?? 0),
                })}
              </p>
              <pre className="terminal-printout">{closing.lines.join('\n')}</pre>
            </>
          ) : (
            <p className={closing.state === 'failed' ? 'warning' : undefined}>
              {t(`desk.report.closing.${closing.state}`, { by: closing.requestedBy, detail: closing.detail ?? '' })}
            </p>
          )}
        </section>
      ))}
      <div className="desk-actions">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            run(
              ask({ op: 'terminal-reconcile' }).then(() => {
                reload();
                return null;
              }),
            )
          }
        >
          {t('desk.report.reconcile')}
        </button>
        <button type="button" className="secondary" onClick={csv}>
          {t('desk.report.csv')}
        </button>
        <button
          type="button"
          className="primary"
          onClick={() =>
            run(
              ask({ op: 'print-day', date: report.date }).then((r) =>
                r.kind === 'printed' && r.printed
                  ? t('desk.report.printed')
                  : t('desk.report.notPrinted', { detail: r.kind === 'printed' ? r.detail : '' }),
              ),
            )
          }
        >
          {t('desk.report.print')}
        </button>
      </div>
      {outcome}
    </>
  );
}
