import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StaffRequest, StaffResult } from '../../../contract/index.js';
import { type Ask, useStaffData } from './use-staff-data.js';

const ACCOUNTS: StaffRequest = { op: 'accounts' };
type Account = Extract<StaffResult, { kind: 'accounts' }>['accounts'][number];
type Role = Account['role'];

/**
 * The technician's accounts: add, new PIN, disable or open again, enrol a staff card by scanning
 * it. The same rules as `kiosk accounts` (core/staff-access.ts): the last technician stays, and
 * a card belongs to one account. PINs go to the core once and are never shown again.
 */
export function Accounts({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const { data, setData, outcome, run } = useStaffData(ask, ACCOUNTS, 'accounts');
  const [draft, setDraft] = useState<{ id: string; name: string; role: Role; pin: string }>({
    id: '',
    name: '',
    role: 'staff',
    pin: '',
  });
  const [pinFor, setPinFor] = useState<{ id: string; pin: string } | null>(null);
  const [enrolling, setEnrolling] = useState<string | null>(null);

  /** Sends a change; the answer is the list as it is now. */
  const change = (request: StaffRequest, done: string) =>
    run(
      ask(request).then((result) => {
        if (result.kind === 'accounts') setData(result);
        return done;
      }),
    );
  const now = Date.now();
  const state = (a: Account) =>
    a.disabled
      ? t('desk.accounts.disabled')
      : a.lockedUntil && Date.parse(a.lockedUntil) > now
        ? t('desk.accounts.locked')
        : t('desk.accounts.active');

  return (
    <>
      <h1>{t('desk.accounts.title')}</h1>
      {outcome}
      {enrolling && (
        <p className="notice" role="status" data-testid="enrol-waiting">
          {t('desk.accounts.scanNow', { id: enrolling })}
        </p>
      )}
      <ul className="desk-list" data-testid="accounts">
        {data?.accounts.map((a) => (
          <li key={a.id} data-account={a.id}>
            <div className="desk-payment-head">
              <strong>
                {a.name} ({a.id})
              </strong>
              <span>
                {t(`desk.accounts.roles.${a.role}`)} · {state(a)} ·{' '}
                {a.card ? t('desk.accounts.hasCard') : t('desk.accounts.noCard')}
              </span>
            </div>
            {pinFor?.id === a.id ? (
              <form
                className="desk-actions"
                onSubmit={(e) => {
                  e.preventDefault();
                  change({ op: 'account-pin', id: a.id, pin: pinFor.pin }, t('desk.accounts.pinChanged', { id: a.id }));
                  setPinFor(null);
                }}
              >
                <label>
                  {t('desk.accounts.newPin')}
                  <input
                    type="password"
                    inputMode="numeric"
                    autoComplete="off"
                    pattern="\d{6,12}"
                    value={pinFor.pin}
                    onChange={(e) => setPinFor({ id: a.id, pin: e.target.value })}
                  />
                </label>
                <button type="submit" className="primary">
                  {t('desk.accounts.savePin')}
                </button>
                <button type="button" className="secondary" onClick={() => setPinFor(null)}>
                  {t('desk.accounts.cancel')}
                </button>
              </form>
            ) : (
              <div className="desk-actions">
                <button type="button" className="secondary" onClick={() => setPinFor({ id: a.id, pin: '' })}>
                  {t('desk.accounts.newPin')}
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    change(
                      { op: 'account-disable', id: a.id, disabled: !a.disabled },
                      t(a.disabled ? 'desk.accounts.enabledDone' : 'desk.accounts.disabledDone', { id: a.id }),
                    )
                  }
                >
                  {a.disabled ? t('desk.accounts.enable') : t('desk.accounts.disable')}
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={enrolling !== null}
                  onClick={() => {
                    setEnrolling(a.id);
                    run(
                      ask({ op: 'account-card', id: a.id, action: 'enrol' })
                        .then((result) => {
                          if (result.kind === 'accounts') setData(result);
                          return t('desk.accounts.cardEnrolled', { id: a.id });
                        })
                        .finally(() => setEnrolling(null)),
                    );
                  }}
                >
                  {t('desk.accounts.enrol')}
                </button>
                {a.card && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() =>
                      change(
                        { op: 'account-card', id: a.id, action: 'remove' },
                        t('desk.accounts.cardRemoved', { id: a.id }),
                      )
                    }
                  >
                    {t('desk.accounts.removeCard')}
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
      <h2>{t('desk.accounts.add')}</h2>
      <form
        className="desk-form"
        onSubmit={(e) => {
          e.preventDefault();
          change({ op: 'account-add', ...draft }, t('desk.accounts.created', { id: draft.id }));
          setDraft({ id: '', name: '', role: 'staff', pin: '' });
        }}
      >
        <label>
          {t('desk.accounts.id')}
          <input
            value={draft.id}
            autoComplete="off"
            onChange={(e) => setDraft({ ...draft, id: e.target.value.toLowerCase() })}
          />
        </label>
        <label>
          {t('desk.accounts.name')}
          <input value={draft.name} autoComplete="off" onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
        </label>
        <label>
          {t('desk.accounts.role')}
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
            <option value="staff">{t('desk.accounts.roles.staff')}</option>
            <option value="technician">{t('desk.accounts.roles.technician')}</option>
          </select>
        </label>
        <label>
          {t('desk.accounts.pin')}
          <input
            type="password"
            inputMode="numeric"
            autoComplete="off"
            value={draft.pin}
            onChange={(e) => setDraft({ ...draft, pin: e.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          {t('desk.accounts.create')}
        </button>
      </form>
    </>
  );
}
