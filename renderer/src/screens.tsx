import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BLOCKING_NOTES, formatDkk, type Claim, type KioskCommand, type SessionView } from '../../contract/index.js';
import { Keypad } from './Keypad.js';
import { ReceiptView } from './ReceiptView.js';
import { ScanIllustration } from './ScanIllustration.js';

type Send = (command: KioskCommand) => void;
type ViewOf<S extends SessionView['screen']> = Extract<SessionView, { screen: S }>;

export function Attract({ send }: { send: Send }) {
  const { t } = useTranslation();
  const [typing, setTyping] = useState(false);
  const [card, setCard] = useState('');
  if (typing) {
    return (
      <section className="screen">
        <h1>{t('attract.typeTitle')}</h1>
        <Keypad
          value={card}
          onChange={setCard}
          onSubmit={() => send({ type: 'session.identify', cardNumber: card })}
          submitLabel={t('attract.submit')}
          minLength={6}
          maxLength={14}
          masked={false}
          label={t('attract.typeTitle')}
        />
      </section>
    );
  }
  return (
    <section className="screen attract">
      <h1>{t('attract.title')}</h1>
      <p className="lead">{t('attract.body')}</p>
      <ScanIllustration />
      <button type="button" className="secondary" onClick={() => setTyping(true)}>
        {t('attract.typeInstead')}
      </button>
    </section>
  );
}

export function Pin({ view, send }: { view: ViewOf<'pin'>; send: Send }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  return (
    <section className="screen">
      <p className="lead">{view.identifiedBy === 'cpr' ? t('pin.byCpr') : t('pin.byCard')}</p>
      <h1>{t('pin.title')}</h1>
      {view.wrongPin && (
        <p className="warning" role="alert">
          {t('pin.wrong')}
        </p>
      )}
      <Keypad
        value={pin}
        onChange={setPin}
        onSubmit={() => {
          send({ type: 'session.authenticate', pin });
          setPin('');
        }}
        submitLabel={t('pin.submit')}
        minLength={4}
        maxLength={8}
        masked
        label={t('pin.title')}
      />
    </section>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <section className="screen" aria-busy="true">
      <h1>{t('loading.title')}</h1>
      <div className="spinner" aria-hidden="true" />
    </section>
  );
}

export function Claims({ view, send }: { view: ViewOf<'claims'>; send: Send }) {
  const { t } = useTranslation();
  const selected = new Set(view.selected);
  const notes = new Map(view.notes.map((n) => [n.claimId, n]));
  const blocked = (claim: Claim) => {
    const note = notes.get(claim.id);
    return note !== undefined && BLOCKING_NOTES.has(note.kind);
  };
  const toggle = (claim: Claim) => {
    const next = selected.has(claim.id) ? view.selected.filter((id) => id !== claim.id) : [...view.selected, claim.id];
    send({ type: 'checkout.select', claimIds: next });
  };
  const groups: { key: 'fbs' | 'debtor' | 'info'; claims: Claim[] }[] = [
    { key: 'fbs', claims: view.claims.filter((c) => c.route === 'fbs') },
    { key: 'debtor', claims: view.claims.filter((c) => c.route === 'debtor') },
    { key: 'info', claims: view.claims.filter((c) => c.route === 'not-payable') },
  ];
  const nothingSelectable = view.claims.every((c) => c.route === 'not-payable' || blocked(c));
  return (
    <section className="screen claims">
      {view.borrowerName && <p className="lead">{t('claims.greeting', { name: view.borrowerName })}</p>}
      <h1>{t('claims.title')}</h1>
      {view.notice && (
        <p className="notice" role="status" data-testid="claims-notice">
          {t(`claims.notice.${view.notice}`)}
        </p>
      )}
      {groups
        .filter((g) => g.claims.length > 0)
        .map((group) => (
          <section key={group.key} className="claim-group" aria-label={t(`claims.${group.key}`)}>
            <h2>{t(`claims.${group.key}`)}</h2>
            <ul>
              {group.claims.map((claim) => {
                const note = notes.get(claim.id);
                const choosable = group.key !== 'info' && !blocked(claim);
                return (
                  <li key={claim.id} data-claim={claim.feeId} data-note={note?.kind ?? ''}>
                    <label className={choosable ? 'claim' : 'claim info'}>
                      {choosable && (
                        <input type="checkbox" checked={selected.has(claim.id)} onChange={() => toggle(claim)} />
                      )}
                      <span className="claim-text">
                        <span className="reason">{claim.reason}</span>
                        {claim.materials.map((m) => (
                          <span key={m.itemNumber} className="material">
                            {[m.materialGroup, m.periodical, t('claims.copy', { item: m.itemNumber })]
                              .filter(Boolean)
                              .join(', ')}
                          </span>
                        ))}
                        {note && (
                          <span className={`claim-note ${note.kind}`} data-testid="claim-note">
                            {t(`claims.note.${note.kind}`)}
                          </span>
                        )}
                        {claim.amountUnreadable && (
                          <span className="claim-note ask-staff" data-testid="claim-note">
                            {t('claims.note.ask-staff')}
                          </span>
                        )}
                      </span>
                      <span className="amount">{claim.amountUnreadable ? '—' : formatDkk(claim.amountOre)}</span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      <p className="total" data-testid="total">
        <span>{t('claims.total')}</span>
        <span className="amount">{formatDkk(view.totalOre)}</span>
      </p>
      {nothingSelectable ? (
        <p className="warning">{t('claims.nothingSelectable')}</p>
      ) : (
        view.selected.length === 0 && <p className="warning">{t('claims.chooseOne')}</p>
      )}
      <button
        type="button"
        className="primary wide"
        disabled={view.selected.length === 0}
        onClick={() => send({ type: 'checkout.pay' })}
      >
        {t('claims.pay', { amount: formatDkk(view.totalOre) })}
      </button>
      {view.methods.includes('mobilepay') && (
        <button
          type="button"
          className="secondary wide mobilepay"
          disabled={view.selected.length === 0}
          onClick={() => send({ type: 'checkout.pay', method: 'mobilepay' })}
        >
          {t('claims.payMobilePay')}
        </button>
      )}
    </section>
  );
}

export function NothingToPay({ view }: { view: ViewOf<'nothing-to-pay'> }) {
  const { t } = useTranslation();
  return (
    <section className="screen">
      {view.borrowerName && <p className="lead">{t('claims.greeting', { name: view.borrowerName })}</p>}
      <h1>{t('nothing.title')}</h1>
      <p className="lead">{t('nothing.body')}</p>
    </section>
  );
}

export function Paying({ view, send, demoPhone }: { view: ViewOf<'paying'>; send: Send; demoPhone: boolean }) {
  const { t } = useTranslation();
  if (view.method === 'mobilepay') return <PayingMobilePay view={view} send={send} demoPhone={demoPhone} />;
  return (
    <section className="screen paying" aria-live="polite">
      <h1>{t('paying.title')}</h1>
      <p className="lead">{t('paying.amount', { amount: formatDkk(view.amountOre) })}</p>
      <p className="step" data-testid="terminal-step">
        {t(`paying.step.${view.step}`)}
      </p>
      {view.terminalText && <p className="terminal-text">{view.terminalText}</p>}
      <CancelPayment view={view} send={send} />
    </section>
  );
}

function CancelPayment({ view, send }: { view: ViewOf<'paying'>; send: Send }) {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="secondary wide"
      disabled={view.cancelling}
      onClick={() => send({ type: 'checkout.cancel' })}
    >
      {view.cancelling ? t('paying.cancelling') : t('paying.cancel')}
    </button>
  );
}

/** MobilePay: the QR large, the amount, and the time left to scan it (the core cancels at the end). */
function PayingMobilePay({ view, send, demoPhone }: { view: ViewOf<'paying'>; send: Send; demoPhone: boolean }) {
  const { t } = useTranslation();
  const secondsLeft = useSecondsUntil(view.qr?.expiresAt ?? null);
  return (
    <section className="screen paying mobilepay" aria-live="polite">
      <h1>{t('mobilepay.title')}</h1>
      <p className="lead">{t('paying.amount', { amount: formatDkk(view.amountOre) })}</p>
      {view.qr ? (
        <>
          <img
            className="qr"
            data-testid="mobilepay-qr"
            alt={t('mobilepay.qrAlt')}
            // Drawn by the core from the payment's link: an image, so nothing in it can run.
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(view.qr.svg)}`}
          />
          <p className="step" data-testid="terminal-step">
            {t('mobilepay.scan')}
          </p>
          {secondsLeft !== null && (
            <p data-testid="qr-countdown">
              {t('mobilepay.expiresIn', {
                minutes: Math.floor(secondsLeft / 60),
                seconds: String(secondsLeft % 60).padStart(2, '0'),
              })}
            </p>
          )}
          {demoPhone && !view.cancelling && (
            <div className="demo-phone">
              <button
                type="button"
                className="secondary"
                onClick={() => send({ type: 'demo.phone', answer: 'approve' })}
              >
                {t('mobilepay.demoApprove')}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => send({ type: 'demo.phone', answer: 'reject' })}
              >
                {t('mobilepay.demoReject')}
              </button>
            </div>
          )}
        </>
      ) : (
        <p className="step" data-testid="terminal-step">
          {t('mobilepay.starting')}
        </p>
      )}
      <CancelPayment view={view} send={send} />
    </section>
  );
}

/** Whole seconds until an instant (ISO), ticking; null without one. */
function useSecondsUntil(at: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!at) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [at]);
  if (!at) return null;
  return Math.max(0, Math.round((Date.parse(at) - now) / 1000));
}

export function Approved({ view, send, timeZone }: { view: ViewOf<'approved'>; send: Send; timeZone: string }) {
  const { t } = useTranslation();
  return (
    <section className="screen approved" aria-live="polite">
      <h1>{t('approved.title')}</h1>
      <p className="lead" data-testid="print-status">
        {view.printed === null
          ? t('approved.printing')
          : view.printed
            ? t('approved.printed')
            : t('approved.notPrinted')}
      </p>
      {view.queued && (
        <p className="notice" data-testid="queued">
          {t('approved.queued')}
        </p>
      )}
      {view.printed === false && <ReceiptView receipt={view.receipt} timeZone={timeZone} />}
      <p>{t('approved.note')}</p>
      <button type="button" className="primary wide" onClick={() => send({ type: 'session.reset' })}>
        {t('approved.done')}
      </button>
    </section>
  );
}

export function Declined({ view, send }: { view: ViewOf<'declined'>; send: Send }) {
  const { t } = useTranslation();
  return (
    <section className="screen" aria-live="polite">
      <h1>{t('declined.title')}</h1>
      <p className="lead">{t(`declined.${view.reason}`)}</p>
      <button type="button" className="primary wide" onClick={() => send({ type: 'checkout.retry' })}>
        {t('declined.retry')}
      </button>
    </section>
  );
}

export function StaffNotified() {
  const { t } = useTranslation();
  return (
    <section className="screen">
      <h1>{t('staff.title')}</h1>
      <p className="lead">{t('staff.body')}</p>
    </section>
  );
}

export function ErrorScreen({ view }: { view: ViewOf<'error'> }) {
  const { t } = useTranslation();
  return (
    <section className="screen" role="alert">
      <h1>{t('error.title')}</h1>
      <p className="lead" data-testid="error-message">
        {view.messageKey ? t(view.messageKey) : t(`error.${view.code}`)}
      </p>
    </section>
  );
}
