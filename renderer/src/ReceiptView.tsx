import { useTranslation } from 'react-i18next';
import { formatDkk, maskedCard, type Receipt } from '../../contract/index.js';

/** The receipt on screen, for when the printer cannot print it. */
export function ReceiptView({ receipt, timeZone }: { receipt: Receipt; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const paidAt = new Intl.DateTimeFormat(i18n.language === 'da' ? 'da-DK' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone,
  }).format(new Date(receipt.paidAt));
  const card = maskedCard(receipt.card);
  return (
    <section className="receipt" aria-label={t('receipt.title')} data-testid="receipt">
      <h2>{receipt.libraryName}</h2>
      <p>
        {t('receipt.date')}: {paidAt}
      </p>
      <p className="small-id">
        {t('receipt.payment')}: {receipt.paymentId}
      </p>
      <ul>
        {receipt.lines.map((line, index) => (
          <li key={index}>
            <span>{line.reason}</span>
            <span className="amount">{formatDkk(line.amountOre)}</span>
            <span className="route">{t(`receipt.${line.route}`)}</span>
          </li>
        ))}
      </ul>
      <p className="total">
        <span>{t('receipt.total')}</span>
        <span className="amount">{formatDkk(receipt.totalOre)}</span>
      </p>
      {receipt.terminalReference && (
        <p>
          {t('receipt.terminalReference')}: {receipt.terminalReference}
        </p>
      )}
      {card && (
        <p>
          {t('receipt.card')}: {card}
        </p>
      )}
      {receipt.cardholderReceipt && (
        <div className="card-receipt" data-testid="card-receipt">
          <h3>{t('receipt.cardReceipt')}</h3>
          {receipt.cardholderReceipt.map((line, index) =>
            line.name || line.value ? (
              <p key={index} className={line.bold ? 'bold' : undefined}>
                <span>{line.name}</span>
                {line.value && <span className="amount">{line.value}</span>}
              </p>
            ) : (
              <br key={index} />
            ),
          )}
        </div>
      )}
    </section>
  );
}
