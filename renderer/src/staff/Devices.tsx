import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDkk, type StaffRequest } from '../../../contract/index.js';
import { useKiosk } from '../store.js';
import { type Ask, useStaffData } from './use-staff-data.js';

const DEVICES: StaffRequest = { op: 'devices' };

export function Devices({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const scans = useKiosk((s) => s.scans);

  const [confirmed, setConfirmed] = useState(false);
  const [card, setCard] = useState('');
  const { data: devices, outcome, run } = useStaffData(ask, DEVICES, 'devices');
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
