import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  UnconfirmedDebtorPolicy,
  type StaffResult,
  type TechnicianSettings,
  type StaffRequest,
} from '../../../contract/index.js';
import { useLocalTime } from '../local-time.js';
import { type Ask, useOutcome, useStaffData } from './use-staff-data.js';

const SETTINGS: StaffRequest = { op: 'settings' };

export function Settings({ ask, canChange }: { ask: Ask; canChange: boolean }) {
  const { t } = useTranslation();
  const local = useLocalTime();
  const { data, setData, outcome, run } = useStaffData(ask, SETTINGS, 'settings');
  const [restartOutcome, runRestart] = useOutcome('restart-outcome');
  const settings = data?.settings ?? null;
  const [draft, setDraft] = useState<TechnicianSettings | null>(null);
  // The form starts from what the kiosk has, and again after each save.
  useEffect(() => setDraft(settings), [settings]);
  const [password, setPassword] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const apply = (r: StaffResult) => {
    if (r.kind === 'settings') setData(r);
  };
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
        return `${t('desk.settings.subject', { subject: r.subject })} · ${t('desk.settings.expires', { date: local.date(r.notAfter) })} · ${r.testCall}`;
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
          ? `${t('desk.settings.subject', { subject: settings.certificate.subject })} · ${t('desk.settings.expires', { date: local.date(settings.certificate.notAfter) })}`
          : t('desk.settings.noCertificate')}
      </p>
      <fieldset className="desk-form" disabled={!canChange}>
        {/* The browser's own file button would speak the browser's language ("Choose File"). */}
        <div className="file-pick">
          <span>{t('desk.settings.certFile')}</span>
          <label className="file-button">
            {t('desk.settings.chooseFile')}
            <input
              type="file"
              accept=".p12,.pfx"
              aria-label={t('desk.settings.certFile')}
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
          <span data-testid="cert-file-name">{file ? file.name : t('desk.settings.noFile')}</span>
        </div>
        <label>
          {t('desk.settings.certPassword')}
          <input type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="button" className="primary" disabled={!file} onClick={upload}>
          {t('desk.settings.upload')}
        </button>
      </fieldset>
      {canChange && (
        <>
          <h2>{t('desk.restart.title')}</h2>
          <p>{t('desk.restart.body')}</p>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              runRestart(
                ask({ op: 'restart' }).then((r) => (r.kind === 'restarting' ? t('desk.restart.restarting') : null)),
              )
            }
          >
            {t('desk.restart.button')}
          </button>
          {restartOutcome}
        </>
      )}
    </>
  );
}
