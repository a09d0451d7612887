import { useTranslation } from 'react-i18next';

/** The on-screen number pad: large keys for touch, the same for a card number and a PIN. */
export function Keypad(props: {
  value: string;
  onChange(value: string): void;
  onSubmit(): void;
  submitLabel: string;
  maxLength: number;
  minLength: number;
  masked: boolean;
  label: string;
  /** The last entry is being checked: it cannot be sent again until it is answered. */
  busy?: boolean;
}) {
  const { t } = useTranslation();
  const { value, onChange, maxLength } = props;
  const press = (digit: string) => value.length < maxLength && onChange(value + digit);
  const shown = props.masked ? '•'.repeat(value.length) : value;
  return (
    <div className="keypad">
      <output className="keypad-display" aria-label={props.label} data-testid="keypad-display">
        {shown || '\u00a0'}
      </output>
      <div className="keypad-keys">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => (
          <button key={digit} type="button" onClick={() => press(digit)} aria-label={t('keypad.digit', { digit })}>
            {digit}
          </button>
        ))}
        <button type="button" className="secondary" onClick={() => onChange(value.slice(0, -1))}>
          {t('keypad.clear')}
        </button>
        <button type="button" onClick={() => press('0')} aria-label={t('keypad.digit', { digit: '0' })}>
          0
        </button>
        <button
          type="button"
          className="primary"
          disabled={value.length < props.minLength || props.busy === true}
          aria-busy={props.busy === true}
          onClick={props.onSubmit}
        >
          {props.submitLabel}
        </button>
      </div>
    </div>
  );
}
