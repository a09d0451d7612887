import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  formatDkk,
  UnconfirmedDebtorPolicy,
  type DayReport,
  type DiagnosticCheck,
  type PaymentEntry,
  type StaffPaymentAction,
  type StaffRequest,
  type StaffResult,
  type StaffState,
  type TechnicianSettings,
} from '../../../contract/index.js';
import { Keypad } from '../Keypad.js';
import { useKiosk } from '../store.js';
import type { KioskBridge } from '../transport.js';
import { staffRequest } from './requests.js';

type SignedIn = Extract<StaffState, { mode: 'signed-in' }>;
type Ask = (request: StaffRequest) => Promise<StaffResult>;

/** Log-in: choose the account (hidden gesture) or the scanned staff card's, then the PIN. */
export function StaffLogin({ state, bridge }: { state: Extract<StaffState, { mode: 'login' }>; bridge: KioskBridge }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  return (
    <section className="screen desk-login" aria-labelledby="staff-login-title">
      <h1 id="staff-login-title">{t('desk.login.title')}</h1>
      {state.chosen === null ? (
        <>
          <p className="lead">{t('desk.login.choose')}</p>
          <div className="desk-actions">
            {state.accounts.map((account) => (
              <button
                key={account.id}
                type="button"
                className="primary"
                onClick={() => bridge.send({ type: 'staff.choose', accountId: account.id })}
              >
                {account.name}
              </button>
            ))}
          </div>
        </>
      ) : (
        <>
          <p className="lead">{state.accounts.find((a) => a.id === state.chosen)?.name}</p>
          {state.error && (
            <p className="warning" role="alert">
              {t(state.error === 'locked-out' ? 'desk.login.lockedOut' : 'desk.login.wrongPin')}
            </p>
          )}
          <Keypad
            value={pin}
            onChange={setPin}
            onSubmit={() => {
              bridge.send({ type: 'staff.login', pin });
              setPin('');
            }}
            submitLabel={t('desk.login.submit')}
            minLength={6}
            maxLength={12}
            masked
            label={t('desk.login.pin')}
          />
        </>
      )}
      <button type="button" className="secondary" onClick={() => bridge.send({ type: 'staff.logout' })}>
        {t('desk.login.cancel')}
      </button>
    </section>
  );
}

type Tab = 'counter' | 'queue' | 'report' | 'diagnose' | 'devices' | 'settings';
const TABS: readonly { tab: Tab; capability: string }[] = [
  { tab: 'counter', capability: 'checkout.counter' },
  { tab: 'queue', capability: 'queue.view' },
  { tab: 'report', capability: 'report.view' },
  { tab: 'diagnose', capability: 'devices.test' },
  { tab: 'devices', capability: 'devices.test' },
  { tab: 'settings', capability: 'settings.view' },
];

/** Staff mode's home: the tasks this role may do, one tab each. */
export function StaffHome({ state, bridge }: { state: SignedIn; bridge: KioskBridge }) {
  const { t } = useTranslation();
  const tabs = TABS.filter((x) => state.capabilities.includes(x.capability));
  const [tab, setTab] = useState<Tab>(tabs[0]?.tab ?? 'queue');
  const ask: Ask = (request) => staffRequest(bridge, request);
  return (
    <section className="screen desk" aria-label={t('desk.banner', { name: state.name })}>
      <nav className="desk-tabs" aria-label={t('desk.banner', { name: state.name })}>
        {tabs.map((x) => (
          <button
            key={x.tab}
            type="button"
            className={x.tab === tab ? 'primary' : 'secondary'}
            aria-pressed={x.tab === tab}
            onClick={() => setTab(x.tab)}
          >
            {t(`desk.tabs.${x.tab}`)}
          </button>
        ))}
      </nav>
      {tab === 'counter' && <Counter ask={ask} />}
      {tab === 'queue' && <Queue ask={ask} />}
      {tab === 'report' && <Report ask={ask} />}
      {tab === 'diagnose' && <Diagnose ask={ask} />}
      {tab === 'devices' && <Devices ask={ask} />}
      {tab === 'settings' && <Settings ask={ask} canChange={state.capabilities.includes('settings.change')} />}
    </section>
  );
}

/** What a request said, for the person who asked. */
function useOutcome(): [ReactNode, (work: Promise<string | null>) => void] {
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const run = (work: Promise<string | null>) => {
    setMessage(null);
    work.then(
      (text) => setMessage(text === null ? null : { text, ok: true }),
      (error: Error) => setMessage({ text: error.message, ok: false }),
    );
  };
  const node = message && (
    <p className={message.ok ? 'notice' : 'warning'} role={message.ok ? 'status' : 'alert'} data-testid="desk-outcome">
      {message.text}
    </p>
  );
  return [node, run];
}

function Counter({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const [card, setCard] = useState('');
  const [outcome, run] = useOutcome();
  return (
    <>
      <h1>{t('desk.counter.title')}</h1>
      <p className="lead">{t('desk.counter.body')}</p>
      {outcome}
      <Keypad
        value={card}
        onChange={setCard}
        onSubmit={() => run(ask({ op: 'counter', cardOrCpr: card }).then(() => null))}
        submitLabel={t('desk.counter.submit')}
        minLength={6}
        maxLength={14}
        masked={false}
        label={t('desk.counter.title')}
      />
    </>
  );
}

function Queue({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const [report, setReport] = useState<DayReport | null>(null);
  const [outcome, run] = useOutcome();
  const load = () =>
    run(
      ask({ op: 'day' }).then((r) => {
        if (r.kind === 'day') setReport(r.report);
        return null;
      }),
    );
  useEffect(load, []);
  return (
    <>
      <h1>{t('desk.queue.title')}</h1>
      <button type="button" className="secondary" onClick={load}>
        {t('desk.queue.refresh')}
      </button>
      {outcome}
      {report && report.payments.length === 0 && <p className="lead">{t('desk.queue.empty')}</p>}
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
          : action === 'void'
            ? { op: 'void', paymentId, reason }
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
        <strong>{t(`desk.state.${payment.state}`)}</strong>
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

function Report({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const [report, setReport] = useState<DayReport | null>(null);
  const [outcome, run] = useOutcome();
  useEffect(
    () =>
      run(
        ask({ op: 'day' }).then((r) => {
          if (r.kind === 'day') setReport(r.report);
          return null;
        }),
      ),
    [],
  );
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
      <h1>{t('desk.report.title', { date: report.date })}</h1>
      <table className="desk-totals">
        <tbody>
          {row(t('desk.report.cardApproved', { count: x.cardApproved.count }), x.cardApproved.ore, 'card-approved')}
          {row(t('desk.report.voided', { count: x.voided.count }), -x.voided.ore, 'voided')}
          {row(t('desk.report.net'), x.netCardOre, 'net-card')}
          {row(t('desk.report.fbs'), x.fbsRegisteredOre, 'fbs-registered')}
          {row(t('desk.report.oeir'), x.oeirDeliveredOre, 'oeir-delivered')}
          {row(t('desk.report.queued'), x.queuedOre, 'queued')}
          {row(t('desk.report.rejected'), x.rejectedOre, 'rejected')}
          {row(t('desk.report.staff'), x.resolvedByStaffOre, 'resolved-by-staff')}
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
                <strong>{m.kind}</strong> {formatDkk(m.amountOre)} – {m.detail}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="desk-actions">
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

function Diagnose({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const [checks, setChecks] = useState<DiagnosticCheck[] | null>(null);
  const [outcome, run] = useOutcome();
  const go = () =>
    run(
      ask({ op: 'diagnose' }).then((r) => {
        if (r.kind === 'diagnosis') setChecks(r.checks);
        return null;
      }),
    );
  useEffect(go, []);
  return (
    <>
      <h1>{t('desk.diagnose.title')}</h1>
      <button type="button" className="secondary" onClick={go}>
        {t('desk.diagnose.run')}
      </button>
      {outcome}
      <ul className="desk-list">
        {checks?.map((c) => (
          <li key={c.part} className={`check ${c.level}`} data-testid={`check-${c.part}`}>
            <strong>
              {c.part}: {t(`desk.diagnose.${c.level}`)}
            </strong>{' '}
            {c.summary}
            {c.details.map((d) => (
              <span key={d} className="desk-detail">
                {d}
              </span>
            ))}
          </li>
        ))}
      </ul>
    </>
  );
}

function Devices({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const scans = useKiosk((s) => s.scans);
  const [devices, setDevices] = useState<Extract<StaffResult, { kind: 'devices' }> | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [card, setCard] = useState('');
  const [outcome, run] = useOutcome();
  useEffect(
    () =>
      run(
        ask({ op: 'devices' }).then((r) => {
          if (r.kind === 'devices') setDevices(r);
          return null;
        }),
      ),
    [],
  );
  const amountOre = 100;
  return (
    <>
      <h1>{t('desk.devices.title')}</h1>
      {outcome}
      <h2>{t('desk.devices.scanners')}</h2>
      <ul className="desk-list">
        {devices?.scanners.map((s) => (
          <li key={s.id}>
            <strong>{s.id}</strong> ({s.kind}): {s.state} – {s.detail}
          </li>
        ))}
      </ul>
      <p>
        {t('desk.devices.serialPorts')}: {devices?.serialPorts.join(', ') || t('desk.devices.none')} ·{' '}
        {t('desk.devices.hid')}: {devices?.hid.join(', ') || t('desk.devices.none')}
      </p>
      <p className="lead">{t('desk.devices.liveScan')}</p>
      <ul className="desk-list" data-testid="live-scans" aria-live="polite">
        {scans.length === 0 && <li>{t('desk.devices.noScan')}</li>}
        {scans.map((s, i) => (
          <li key={i}>
            <strong>{s.code}</strong> ({s.kind}, {s.source})
          </li>
        ))}
      </ul>
      <h2>{t('desk.devices.printer')}</h2>
      <p>
        {devices?.printer.description}: {devices?.printer.state}
      </p>
      <button
        type="button"
        className="secondary"
        onClick={() => run(ask({ op: 'printer-test' }).then((r) => (r.kind === 'printed' ? r.detail || 'OK' : null)))}
      >
        {t('desk.devices.printerTest')}
      </button>
      <h2>{t('desk.devices.terminal')}</h2>
      <label className="desk-check">
        <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
        {t('desk.devices.confirmLive')}
      </label>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          run(
            ask({ op: 'terminal-test', amountOre, confirmed }).then((r) =>
              r.kind === 'terminal-test' ? `${r.outcome}: ${r.detail}` : null,
            ),
          )
        }
      >
        {t('desk.devices.terminalTest', { amount: formatDkk(amountOre) })}
      </button>
      <h2>{t('desk.devices.fbs')}</h2>
      <label>
        {t('desk.devices.fbsCard')}
        <input value={card} inputMode="numeric" onChange={(e) => setCard(e.target.value)} />
      </label>
      <button
        type="button"
        className="secondary"
        onClick={() => run(ask({ op: 'fbs-lookup', card }).then((r) => (r.kind === 'fbs-lookup' ? r.detail : null)))}
      >
        {t('desk.devices.fbsLookup')}
      </button>
    </>
  );
}

function Settings({ ask, canChange }: { ask: Ask; canChange: boolean }) {
  const { t } = useTranslation();
  const [settings, setSettings] = useState<TechnicianSettings | null>(null);
  const [draft, setDraft] = useState<TechnicianSettings | null>(null);
  const [password, setPassword] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [outcome, run] = useOutcome();
  const apply = (r: StaffResult) => {
    if (r.kind === 'settings') {
      setSettings(r.settings);
      setDraft(r.settings);
    }
  };
  useEffect(
    () =>
      run(
        ask({ op: 'settings' }).then((r) => {
          apply(r);
          return null;
        }),
      ),
    [],
  );
  if (!draft || !settings) return outcome;
  const save = () =>
    run(
      ask({
        op: 'settings-save',
        values: {
          'ui.language': draft.language,
          'ui.idleTimeoutMs': draft.idleTimeoutMs,
          'ui.pinRequired': draft.pinRequired,
          'oeir.offlinePolicy': draft.offlinePolicy,
          'library.receiptText': draft.receiptText,
        },
      }).then((r) => {
        apply(r);
        return t('desk.settings.saved');
      }),
    );
  const upload = () => {
    if (!file) return;
    run(
      file.arrayBuffer().then(async (buffer) => {
        let binary = '';
        for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
        const r = await ask({ op: 'certificate-upload', p12: btoa(binary), password });
        setPassword('');
        if (r.kind !== 'certificate') return null;
        apply(await ask({ op: 'settings' }));
        return `${t('desk.settings.subject', { subject: r.subject })} · ${t('desk.settings.expires', { date: r.notAfter.slice(0, 10) })} · ${r.testCall}`;
      }),
    );
  };
  return (
    <>
      <h1>{t('desk.settings.title')}</h1>
      {outcome}
      <fieldset className="desk-form" disabled={!canChange}>
        <label>
          {t('desk.settings.language')}
          <select
            value={draft.language}
            onChange={(e) => setDraft({ ...draft, language: e.target.value === 'en' ? 'en' : 'da' })}
          >
            <option value="da">Dansk</option>
            <option value="en">English</option>
          </select>
        </label>
        <label>
          {t('desk.settings.idleTimeout')}
          <input
            type="number"
            min={10}
            max={600}
            value={Math.round(draft.idleTimeoutMs / 1000)}
            onChange={(e) => setDraft({ ...draft, idleTimeoutMs: Number(e.target.value) * 1000 })}
          />
        </label>
        <label className="desk-check">
          <input
            type="checkbox"
            checked={draft.pinRequired}
            onChange={(e) => setDraft({ ...draft, pinRequired: e.target.checked })}
          />
          {t('desk.settings.pinRequired')}
        </label>
        <label>
          {t('desk.settings.offlinePolicy')}
          <select
            value={draft.offlinePolicy}
            onChange={(e) => {
              const chosen = UnconfirmedDebtorPolicy.safeParse(e.target.value);
              if (chosen.success) setDraft({ ...draft, offlinePolicy: chosen.data });
            }}
          >
            <option value="counter-only">{t('desk.settings.counterOnly')}</option>
            <option value="refuse">{t('desk.settings.refuse')}</option>
            <option value="accept-and-queue">{t('desk.settings.acceptAndQueue')}</option>
          </select>
        </label>
        <label>
          {t('desk.settings.receiptText')}
          <input
            value={draft.receiptText}
            maxLength={300}
            onChange={(e) => setDraft({ ...draft, receiptText: e.target.value })}
          />
        </label>
        <button type="button" className="primary" onClick={save}>
          {t('desk.settings.save')}
        </button>
      </fieldset>
      <h2>{t('desk.settings.secrets')}</h2>
      <ul className="desk-list" data-testid="secrets">
        {Object.entries(settings.secrets).map(([key, state]) => (
          <li key={key}>
            {key}: {state === 'set' ? t('desk.settings.set') : t('desk.settings.notSet')}
          </li>
        ))}
      </ul>
      <h2>{t('desk.settings.certificate')}</h2>
      <p data-testid="certificate">
        {settings.certificate
          ? `${t('desk.settings.subject', { subject: settings.certificate.subject })} · ${t('desk.settings.expires', { date: settings.certificate.notAfter.slice(0, 10) })}`
          : t('desk.settings.noCertificate')}
      </p>
      <fieldset className="desk-form" disabled={!canChange}>
        <label>
          {t('desk.settings.certFile')}
          <input type="file" accept=".p12,.pfx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          {t('desk.settings.certPassword')}
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="button" className="primary" disabled={!file} onClick={upload}>
          {t('desk.settings.upload')}
        </button>
      </fieldset>
    </>
  );
}
