import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  BLOCKING_NOTES,
  formatDkk,
  maskedCard,
  type Claim,
  type KioskCommand,
  type Material,
  type SessionView,
} from '../../contract/index.js';
import { Keypad } from './Keypad.js';
import { ReceiptView } from './ReceiptView.js';
import { ScanIllustration } from './ScanIllustration.js';
import { TerminalIllustration } from './TerminalIllustration.js';

type Send = (command: KioskCommand) => void;
type ViewOf<S extends SessionView['screen']> = Extract<SessionView, { screen: S }>;

/**
 * The bottom of every borrower screen, in the same place on each: the main action (wide, within
 * reach), and "Start forfra" beside it where a borrower may leave.
 */
function Actions({ send, children, startOver = true }: { send: Send; children?: ReactNode; startOver?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="actions">
      {children}
      {startOver && (
        <button type="button" className="secondary wide" onClick={() => send({ type: 'session.reset' })}>
          {t('app.startOver')}
        </button>
      )}
    </div>
  );
}

export function Attract({ send, misread }: { send: Send; misread: boolean }) {
  const { t } = useTranslation();
  return (
    <section className="screen attract">
      <h1>{t('attract.title')}</h1>
      <p className="lead">{t('attract.body')}</p>
      <ScanIllustration />
      {misread && (
        <p className="warning misread" role="alert" data-testid="scan-misread">
          {t('attract.scanNotRead')}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary wide" onClick={() => send({ type: 'session.typeCard' })}>
          {t('attract.typeInstead')}
        </button>
      </div>
    </section>
  );
}

/** The card number on the keypad: for a borrower whose card the scanner cannot read. */
export function TypeCard({ send }: { send: Send }) {
  const { t } = useTranslation();
  const [card, setCard] = useState('');
  return (
    <section className="screen keypad-screen">
      <h1>{t('attract.typeTitle')}</h1>
      <p className="lead">{t('attract.typeBody')}</p>
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
      <Actions send={send} />
    </section>
  );
}

/** The warning names the tries left once few are (earlier, "wrong PIN, try again" says enough). */
const WARN_WHEN_TRIES_LEFT = 2;

export function Pin({ view, send }: { view: ViewOf<'pin'>; send: Send }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [sent, setSent] = useState(false);
  const how =
    view.identifiedBy === 'cpr'
      ? view.entered === 'typed'
        ? 'pin.byCprTyped'
        : 'pin.byCpr'
      : view.entered === 'typed'
        ? 'pin.byCardTyped'
        : 'pin.byCard';
  return (
    <section className="screen keypad-screen">
      <p className="lead">{t(how)}</p>
      <h1>{t('pin.title')}</h1>
      {view.wrongPin ? (
        <p className="warning" role="alert" data-testid="pin-warning">
          {view.attemptsLeft === null || view.attemptsLeft > WARN_WHEN_TRIES_LEFT
            ? t('pin.wrong')
            : view.attemptsLeft === 0
              ? t('pin.noAttemptsLeft')
              : t('pin.attemptsLeft', { count: view.attemptsLeft })}
        </p>
      ) : (
        <p>{t('pin.digits', { count: view.pinLength })}</p>
      )}
      <Keypad
        value={pin}
        onChange={setPin}
        onSubmit={() => {
          // One PIN per press of OK, and only a whole one: each wrong PIN counts at FBS.
          if (sent || pin.length !== view.pinLength) return;
          setSent(true);
          send({ type: 'session.authenticate', pin });
          setPin('');
        }}
        submitLabel={t('pin.submit')}
        minLength={view.pinLength}
        maxLength={view.pinLength}
        masked
        busy={sent}
        label={t('pin.title')}
      />
      <Actions send={send} />
    </section>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <section className="screen loading" aria-busy="true">
      <h1>{t('loading.title')}</h1>
      <div className="spinner" aria-hidden="true" />
    </section>
  );
}

/**
 * What FBS wrote (a claim's reason, a material's kind) is the library's Danish text: shown as it
 * is, marked as Danish for screen readers, with a note in English that it is the library's.
 */
function LibraryText({ children }: { children: string }) {
  return <span lang="da">{children}</span>;
}

function MaterialLine({ material }: { material: Material }) {
  const { t, i18n } = useTranslation();
  const kind = material.materialGroup.trim();
  const periodical = material.periodical ? `, ${material.periodical}` : '';
  if (!kind)
    return <span className="material">{t('claims.itemOnly', { item: material.itemNumber }) + periodical}</span>;
  const text = t('claims.material', { kind, item: material.itemNumber }) + periodical;
  return (
    <span className="material" lang={i18n.language === 'da' ? undefined : 'da'}>
      {text}
    </span>
  );
}

export function Claims({ view, send }: { view: ViewOf<'claims'>; send: Send }) {
  const { t, i18n } = useTranslation();
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
      {i18n.language !== 'da' && <p className="library-text-note">{t('claims.libraryText')}</p>}
      {view.notice && (
        <p className="notice" role="status" data-testid="claims-notice">
          {t(`claims.notice.${view.notice}`)}
        </p>
      )}
      <div className="claim-list">
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
                          <span className="reason">
                            <LibraryText>{claim.reason}</LibraryText>
                          </span>
                          {claim.materials.map((m) => (
                            <MaterialLine key={m.itemNumber} material={m} />
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
      </div>
      <p className="total" data-testid="total">
        <span>{t('claims.total')}</span>
        <span className="amount">{formatDkk(view.totalOre)}</span>
      </p>
      {nothingSelectable ? (
        <p className="warning">{t('claims.nothingSelectable')}</p>
      ) : (
        view.selected.length === 0 && <p className="warning">{t('claims.chooseOne')}</p>
      )}
      <Actions send={send}>
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
      </Actions>
    </section>
  );
}

export function NothingToPay({ view, send }: { view: ViewOf<'nothing-to-pay'>; send: Send }) {
  const { t } = useTranslation();
  return (
    <section className="screen">
      {view.borrowerName && <p className="lead">{t('claims.greeting', { name: view.borrowerName })}</p>}
      <h1>{t('nothing.title')}</h1>
      <p className="lead">{t('nothing.body')}</p>
      <Actions send={send} />
    </section>
  );
}

export function Paying({ view, send, demoPhone }: { view: ViewOf<'paying'>; send: Send; demoPhone: boolean }) {
  const { t } = useTranslation();
  if (view.method === 'mobilepay') return <PayingMobilePay view={view} send={send} demoPhone={demoPhone} />;
  // One message: what to do on the terminal now, in the borrower's language. The terminal's own
  // display text (Danish, from the terminal) is not repeated here: the terminal shows it.
  return (
    <section className="screen paying" aria-live="polite">
      <h1>{t('paying.title')}</h1>
      <p className="amount-due">{formatDkk(view.amountOre)}</p>
      <TerminalIllustration step={view.step} label={t('paying.terminalAlt')} />
      <p className="step" data-testid="terminal-step">
        {t(`paying.step.${view.step}`)}
      </p>
      <p className="lead">{t('paying.where')}</p>
      <div className="actions">
        <CancelPayment view={view} send={send} />
      </div>
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
      <p className="amount-due">{formatDkk(view.amountOre)}</p>
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
      <div className="actions">
        <CancelPayment view={view} send={send} />
      </div>
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

/**
 * What was paid, how, its reference and the receipt; then back to the start by itself after a
 * visible countdown (a finished borrower is not asked whether they are still there).
 */
export function Approved({
  view,
  send,
  timeZone,
  returnAfterMs,
}: {
  view: ViewOf<'approved'>;
  send: Send;
  timeZone: string;
  returnAfterMs: number;
}) {
  const { t } = useTranslation();
  // The countdown starts once the receipt is out; a receipt only on screen gets longer (to be
  // read or photographed).
  const [returnAt, setReturnAt] = useState<string | null>(null);
  useEffect(() => {
    if (view.printed === null || returnAt !== null) return;
    setReturnAt(new Date(Date.now() + (view.printed ? returnAfterMs : returnAfterMs * 3)).toISOString());
  }, [view.printed, returnAt, returnAfterMs]);
  const secondsLeft = useSecondsUntil(returnAt);
  const returned = useRef(false);
  useEffect(() => {
    if (secondsLeft !== 0 || returned.current) return;
    returned.current = true;
    send({ type: 'session.reset' });
  }, [secondsLeft, send]);
  const { receipt } = view;
  const card = maskedCard(receipt.card);
  const method = view.method === 'mobilepay' ? t('approved.method.mobilepay') : (card ?? t('approved.method.card'));
  return (
    <section className="screen approved" aria-live="polite">
      <h1>{t('approved.title')}</h1>
      <ul className="paid-lines" data-testid="paid-lines">
        {receipt.lines.map((line, index) => (
          <li key={index}>
            <LibraryText>{line.reason}</LibraryText>
            <span className="amount">{formatDkk(line.amountOre)}</span>
          </li>
        ))}
      </ul>
      <p className="total" data-testid="paid-total">
        <span>{t('approved.total')}</span>
        <span className="amount">{formatDkk(receipt.totalOre)}</span>
      </p>
      <p data-testid="paid-with">
        {t('approved.paidWith', { method })}
        {receipt.terminalReference && (
          <>
            {' · '}
            {t('approved.reference', { reference: receipt.terminalReference })}
          </>
        )}
      </p>
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
      <Actions send={send} startOver={false}>
        {secondsLeft !== null && (
          <p className="countdown" data-testid="approved-countdown" aria-live="off">
            {t('approved.returning', { seconds: secondsLeft })}
          </p>
        )}
        <button type="button" className="primary wide" onClick={() => send({ type: 'session.reset' })}>
          {t('approved.done')}
        </button>
      </Actions>
    </section>
  );
}

export function Declined({ view, send }: { view: ViewOf<'declined'>; send: Send }) {
  const { t } = useTranslation();
  return (
    <section className="screen" aria-live="polite">
      <h1>{t('declined.title')}</h1>
      <p className="lead">{t(`declined.${view.reason}`)}</p>
      <Actions send={send}>
        <button type="button" className="primary wide" onClick={() => send({ type: 'checkout.retry' })}>
          {t('declined.retry')}
        </button>
      </Actions>
    </section>
  );
}

export function StaffNotified({ send }: { send: Send }) {
  const { t } = useTranslation();
  return (
    <section className="screen">
      <h1>{t('staff.title')}</h1>
      <p className="lead">{t('staff.body')}</p>
      <Actions send={send} />
    </section>
  );
}

export function ErrorScreen({ view, send }: { view: ViewOf<'error'>; send: Send }) {
  const { t } = useTranslation();
  return (
    <section className="screen" role="alert">
      <h1>{t('error.title')}</h1>
      <p className="lead" data-testid="error-message">
        {view.messageKey ? t(view.messageKey) : t(`error.${view.code}`)}
      </p>
      <Actions send={send} />
    </section>
  );
}
