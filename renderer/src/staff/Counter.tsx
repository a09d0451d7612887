import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from '../Keypad.js';
import { useOutcome, type Ask } from './use-staff-data.js';

export function Counter({ ask }: { ask: Ask }) {
  const { t } = useTranslation();
  const [card, setCard] = useState('');
  const [outcome, run] = useOutcome();
  return (
    <>
      <h1>{t('desk.counter.title')}</h1>
      <p className="lead">{t('desk.counter.body')}</p>
      {outcome}
      <Keypad
        value={card}
        onChange={setCard}
        onSubmit={() => run(ask({ op: 'counter', cardOrCpr: card }).then(() => null))}
        submitLabel={t('desk.counter.submit')}
        minLength={6}
        maxLength={14}
        masked={false}
        label={t('desk.counter.title')}
      />
    </>
  );
}
