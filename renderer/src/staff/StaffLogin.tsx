import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type StaffState } from '../../../contract/index.js';
import { Keypad } from '../Keypad.js';
import type { KioskBridge } from '../transport.js';

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
          {state.checking && (
            <p className="lead" role="status">
              {t('desk.login.checking')}
            </p>
          )}
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
            busy={state.checking}
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
