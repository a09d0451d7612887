import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionView } from '../../contract/index.js';

const STEPS = ['card', 'pin', 'pay', 'receipt'] as const;
type Step = (typeof STEPS)[number];

/** Where each borrower screen is in the journey; null: it stays where the journey was. */
const STEP_OF: Record<SessionView['screen'], Step | null> = {
  attract: 'card',
  'type-card': 'card',
  pin: 'pin',
  loading: null,
  claims: 'pay',
  'nothing-to-pay': 'pay',
  paying: 'pay',
  declined: 'pay',
  approved: 'receipt',
  'staff-notified': null,
  error: null,
};

/** Kort → Pinkode → Betal → Kvittering, the current step marked (and said to screen readers). */
export function StepIndicator({ screen }: { screen: SessionView['screen'] }) {
  const { t } = useTranslation();
  const last = useRef<Step>('card');
  const step = STEP_OF[screen] ?? last.current;
  last.current = step;
  const current = STEPS.indexOf(step);
  return (
    <nav className="steps" aria-label={t('app.steps.label')}>
      <ol>
        {STEPS.map((s, i) => (
          <li
            key={s}
            className={i < current ? 'done' : i === current ? 'current' : 'todo'}
            aria-current={i === current ? 'step' : undefined}
            data-step={s}
          >
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>
            <span>{t(`app.steps.${s}`)}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}
