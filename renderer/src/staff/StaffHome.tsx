import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskBridge } from '../transport.js';
import { staffRequest } from './requests.js';
import { type Ask, type SignedIn } from './use-staff-data.js';
import { Counter } from './Counter.js';
import { Queue } from './Queue.js';
import { Report } from './Report.js';
import { Diagnose } from './Diagnose.js';
import { Devices } from './Devices.js';
import { Settings } from './Settings.js';
import { Accounts } from './Accounts.js';

type Tab = 'counter' | 'queue' | 'report' | 'diagnose' | 'devices' | 'settings' | 'accounts';
const TABS: readonly { tab: Tab; capability: string }[] = [
  { tab: 'counter', capability: 'checkout.counter' },
  { tab: 'queue', capability: 'queue.view' },
  { tab: 'report', capability: 'report.view' },
  { tab: 'diagnose', capability: 'devices.test' },
  { tab: 'devices', capability: 'devices.test' },
  { tab: 'settings', capability: 'settings.view' },
  { tab: 'accounts', capability: 'accounts.manage' },
];

/** Staff mode's home: the tasks this role may do, one tab each. */
export function StaffHome({ state, bridge }: { state: SignedIn; bridge: KioskBridge }) {
  const { t } = useTranslation();
  const tabs = TABS.filter((x) => state.capabilities.includes(x.capability));
  const [tab, setTab] = useState<Tab>(tabs[0]?.tab ?? 'queue');
  // One function for the whole staff session: the tabs' data loads depend on it.
  const ask = useCallback<Ask>((request) => staffRequest(bridge, request), [bridge]);
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
      {tab === 'accounts' && <Accounts ask={ask} />}
      {tab === 'settings' && <Settings ask={ask} canChange={state.capabilities.includes('settings.change')} />}
    </section>
  );
}
