import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { StaffRequest, StaffResult, StaffState } from '../../../contract/index.js';
import { StaffRefusedError } from './requests.js';

/** Shared by the staff tabs: the request channel, what a request said, and data loaded on opening. */
export type SignedIn = Extract<StaffState, { mode: 'signed-in' }>;
export type Ask = (request: StaffRequest) => Promise<StaffResult>;

/**
 * What a request said, for the person who asked. Only the latest request speaks: an earlier one
 * that ends later (the tab's own slow load, say) must not wipe what a button just answered.
 */
export function useOutcome(testId = 'desk-outcome'): [ReactNode, (work: Promise<string | null>) => void] {
  const { t } = useTranslation();
  const [message, setMessage] = useState<{ text: string; ok: boolean; detail?: string } | null>(null);
  const latest = useRef(0);
  const run = useCallback(
    (work: Promise<string | null>) => {
      const id = ++latest.current;
      setMessage(null);
      work.then(
        (text) => {
          if (id === latest.current) setMessage(text === null ? null : { text, ok: true });
        },
        (error: Error) => {
          if (id !== latest.current) return;
          // The core's refusal in the screen's language; what a device or service said, as it said it.
          const refusal = error instanceof StaffRefusedError ? error.refusal : null;
          setMessage(
            refusal
              ? {
                  text: t(`desk.refusal.${refusal.code}`),
                  ok: false,
                  ...(refusal.detail ? { detail: refusal.detail } : {}),
                }
              : { text: t('desk.refusal.other'), ok: false, detail: error.message },
          );
        },
      );
    },
    [t],
  );
  const node = message && (
    <p className={message.ok ? 'notice' : 'warning'} role={message.ok ? 'status' : 'alert'} data-testid={testId}>
      {message.text}
      {message.detail && <span className="desk-detail">{message.detail}</span>}
    </p>
  );
  return [node, run];
}

/**
 * What a tab shows, asked for when the tab opens and again on `reload`: the answer of the kind
 * the tab expects, or null until it has come (a failure is in `outcome`).
 */
export function useStaffData<K extends StaffResult['kind']>(ask: Ask, request: StaffRequest, kind: K) {
  const [data, setData] = useState<Extract<StaffResult, { kind: K }> | null>(null);
  const [outcome, run] = useOutcome();
  const reload = useCallback(
    () =>
      run(
        ask(request).then((result) => {
          if (result.kind === kind) setData(result as Extract<StaffResult, { kind: K }>);
          return null;
        }),
      ),
    [ask, run, request, kind],
  );
  useEffect(reload, [reload]);
  return { data, setData, outcome, run, reload };
}
