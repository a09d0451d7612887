import { useTranslation } from 'react-i18next';
import { type StaffRequest } from '../../../contract/index.js';
import { type Ask, useStaffData } from './use-staff-data.js';

const DIAGNOSE: StaffRequest = { op: 'diagnose' };

/**
 * Each part's state in the screen's language; under it, what the check found in its own words
 * (hosts, files, what a service answered): the technical details, the same as `kiosk doctor`.
 */
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
          <li key={c.part} className={`check ${c.level}`} data-testid={`check-${c.part}`} data-level={c.level}>
            <strong>
              {t(`desk.diagnose.part.${c.part}`)}: {t(`desk.diagnose.${c.level}`)}
            </strong>{' '}
            {t(`desk.diagnose.summary.${c.level}`)}
            <details className="desk-reason">
              <summary>{t('desk.diagnose.technical')}</summary>
              <span lang="en">{c.summary}</span>
              {c.details.map((d) => (
                <span key={d} className="desk-detail" lang="en">
                  {d}
                </span>
              ))}
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}
