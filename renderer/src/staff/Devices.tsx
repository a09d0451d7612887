import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDkk, type StaffRequest } from '../../../contract/index.js';
import { useKiosk } from '../store.js';
import { type Ask, useOutcome, useStaffData } from './use-staff-data.js';

const DEVICES: StaffRequest = { op: 'devices' };

/** A device's state in the screen's language; a state this screen does not know, as the device said it. */
function useStateText() {
  const { t, i18n } = useTranslation();
  return (state: string) => (i18n.exists(`desk.devices.state.${state}`) ? t(`desk.devices.state.${state}`) : state);
}

export function Devices({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const stateText = useStateText();
  const scans = useKiosk((s) => s.scans);

  const [confirmed, setConfirmed] = useState(false);
  const [testing, setTesting] = useState(false);
  const [card, setCard] = useState('');
  const { data: devices, outcome, run } = useStaffData(ask, DEVICES, 'devices');
  const [testOutcome, runTest] = useOutcome('terminal-test-outcome');
  const amountOre = 100;
  const terminalTest = () => {
    setTesting(true);
    runTest(
      ask({ op: 'terminal-test', amountOre, confirmed })
        .then((r) => {
          if (r.kind !== 'terminal-test') return null;
          if (r.outcome === 'approved')
            return t(r.reversed ? 'desk.devices.terminalApproved' : 'desk.devices.terminalNotReversed', {
              reference: r.reference ?? '—',
            });
          return t(r.outcome === 'declined' ? 'desk.devices.terminalDeclined' : 'desk.devices.terminalUnavailable');
        })
        .finally(() => {
          setTesting(false);
          setConfirmed(false);
        }),
    );
  };
  return (
    <>
      <h1>{t('desk.devices.title')}</h1>
      {outcome}
      <h2>{t('desk.devices.scanners')}</h2>
      <ul className="desk-list">
        {devices?.scanners.map((s) => (
          <li key={s.id}>
            <strong>{s.id}</strong>: {stateText(s.state)}
            {s.detail && <span className="desk-detail">{s.detail}</span>}
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
            <strong>{s.code}</strong> ({t(`desk.devices.scanKind.${s.kind}`, { defaultValue: s.kind })},{' '}
            {t('desk.devices.source', { source: s.source })})
          </li>
        ))}
      </ul>
      <h2>{t('desk.devices.printer')}</h2>
      <p>
        {devices?.printer.description}: {devices ? stateText(devices.printer.state) : ''}
      </p>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          run(
            ask({ op: 'printer-test' }).then((r) =>
              r.kind === 'printed' ? t(r.printed ? 'desk.devices.printed' : 'desk.devices.notPrinted') : null,
            ),
          )
        }
      >
        {t('desk.devices.printerTest')}
      </button>
      <h2>{t('desk.devices.terminal')}</h2>
      <label className="desk-check">
        <input
          type="checkbox"
          checked={confirmed}
          disabled={testing}
          onChange={(e) => setConfirmed(e.target.checked)}
        />
        {t('desk.devices.confirmLive')}
      </label>
      {/* Offered only once the box is ticked, and once at a time: it is a real card's money. */}
      <button
        type="button"
        className="secondary"
        disabled={!confirmed || testing}
        aria-busy={testing}
        data-testid="terminal-test"
        onClick={terminalTest}
      >
        {t('desk.devices.terminalTest', { amount: formatDkk(amountOre) })}
      </button>
      {testing && (
        <p className="notice" role="status" data-testid="terminal-test-running">
          {t('desk.devices.terminalRunning')}
        </p>
      )}
      {testOutcome}
      <h2>{t('desk.devices.fbs')}</h2>
      <label>
        {t('desk.devices.fbsCard')}
        <input value={card} inputMode="numeric" onChange={(e) => setCard(e.target.value)} />
      </label>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          run(
            ask({ op: 'fbs-lookup', card }).then((r) =>
              r.kind !== 'fbs-lookup'
                ? null
                : r.found
                  ? t('desk.devices.fbsFound', { patron: r.patronId ?? '—', count: r.openClaims ?? 0 })
                  : r.answered
                    ? t('desk.devices.fbsUnknown')
                    : `${t('desk.devices.fbsFailed')} ${r.detail}`,
            ),
          )
        }
      >
        {t('desk.devices.fbsLookup')}
      </button>
    </>
  );
}
