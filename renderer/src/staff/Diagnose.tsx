import { useTranslation } from 'react-i18next';
import { type StaffRequest } from '../../../contract/index.js';
import { type Ask, useStaffData } from './use-staff-data.js';

const DIAGNOSE: StaffRequest = { op: 'diagnose' };

export function Diagnose({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const { data, outcome, reload: go } = useStaffData(ask, DIAGNOSE, 'diagnosis');
  const checks = data?.checks ?? null;
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
