import adyenCrypto from '@adyen/api-library/lib/src/security/nexoCrypto.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encryptedCodec, NexoMessageError, plainCodec } from '../../devices/terminal/nexo/codec.js';
import { NexoCipher, NexoSecurityError, type NexoKey } from '../../devices/terminal/nexo/crypto.js';
import { newServiceId, paymentOutcome } from '../../devices/terminal/nexo/driver.js';
import { readAdditionalResponse } from '../../devices/terminal/nexo/additional-response.js';
import {
  EventNotificationBody,
  requestHeader,
  SaleToPOIResponse,
  TransactionStatusResponseBody,
} from '../../devices/terminal/nexo/messages.js';

// A CommonJS module: Node hands its exports over as `default`, vite's interop unwraps it.
type AdyenNexoCryptoClass = typeof adyenCrypto.default;
const AdyenNexoCrypto: AdyenNexoCryptoClass =
  (adyenCrypto as unknown as { default?: AdyenNexoCryptoClass }).default ??
  (adyenCrypto as unknown as AdyenNexoCryptoClass);

/** The published test key of Adyen's libraries (tests/fixtures/nexo/SOURCE.md). */
const SAMPLE_KEY: NexoKey = { keyIdentifier: 'CryptoKeyIdentifier12345', keyVersion: 1, passphrase: 'p@ssw0rd123456' };
const adyenKey = (key: NexoKey) => ({
  Passphrase: key.passphrase,
  KeyIdentifier: key.keyIdentifier,
  KeyVersion: key.keyVersion,
  AdyenCryptoVersion: 1,
});
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/nexo/${name}`, import.meta.url), 'utf8');

const header = requestHeader({ category: 'Payment', serviceId: 'A1b2C3d4E5', saleId: 'KIOSK1', poiId: 'SIM-1' });

describe('nexo message protection', () => {
  it("opens Adyen's real encrypted PaymentResponse sample and reads it", () => {
    const body = fixture('payment-local-success.json');
    const message = encryptedCodec(SAMPLE_KEY).decode('SaleToPOIResponse', body, SaleToPOIResponse);
    const payment = message.SaleToPOIResponse.PaymentResponse!;
    expect(message.SaleToPOIResponse.MessageHeader.POIID).toBe('P400Plus-275039202');
    expect(payment.Response.Result).toBe('Success');
    expect(payment.POIData.POITransactionID.TransactionID).toBe('4r7i001557325515012.8815573255107661');
    const card = payment.PaymentResult?.PaymentInstrumentData?.CardData;
    expect(card?.PaymentBrand).toBe('mc');
  });

  it('refuses the real sample once a single bit of its HMAC, blob or header is changed', () => {
    const codec = encryptedCodec(SAMPLE_KEY);
    const original = JSON.parse(fixture('payment-local-success.json')) as {
      SaleToPOIResponse: { SecurityTrailer: { Hmac: string }; NexoBlob: string; MessageHeader: { ServiceID: string } };
    };
    const flip = (b64: string, at: number): string => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[at] = bytes[at]! ^ 1;
      return bytes.toString('base64');
    };
    const variants = [
      (m: typeof original) =>
        (m.SaleToPOIResponse.SecurityTrailer.Hmac = flip(m.SaleToPOIResponse.SecurityTrailer.Hmac, 0)),
      // The last block: CBC padding may survive a flip elsewhere, the HMAC must still catch it.
      (m: typeof original) => (m.SaleToPOIResponse.NexoBlob = flip(m.SaleToPOIResponse.NexoBlob, 100)),
      (m: typeof original) => (m.SaleToPOIResponse.MessageHeader.ServiceID = '999'),
    ];
    for (const change of variants) {
      const copy = structuredClone(original);
      change(copy);
      const error = (() => {
        try {
          codec.decode('SaleToPOIResponse', JSON.stringify(copy), SaleToPOIResponse);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(NexoMessageError);
      expect((error as NexoMessageError).kind).toBe('tampered');
    }
  });

  it('refuses the sample under another passphrase or key identifier', () => {
    const body = fixture('payment-local-success.json');
    for (const key of [
      { ...SAMPLE_KEY, passphrase: 'p@ssw0rd123457' },
      { ...SAMPLE_KEY, keyIdentifier: 'OtherKey' },
      { ...SAMPLE_KEY, keyVersion: 2 },
    ]) {
      expect(() => encryptedCodec(key).decode('SaleToPOIResponse', body, SaleToPOIResponse)).toThrow(NexoMessageError);
    }
  });

  it("interoperates with @adyen/api-library's NexoCrypto in both directions", () => {
    const key: NexoKey = { keyIdentifier: 'KioskKey', keyVersion: 3, passphrase: 'en lang og hemmelig sætning' };
    const plain = JSON.stringify({ SaleToPOIRequest: { MessageHeader: header, LoginRequest: {} } });
    // Ours → theirs
    const sealed = new NexoCipher(key).seal(plain);
    expect(new AdyenNexoCrypto().decrypt({ MessageHeader: header as never, ...sealed }, adyenKey(key))).toBe(plain);
    // Theirs → ours
    const theirs = AdyenNexoCrypto.encrypt(header as never, plain, adyenKey(key));
    expect(new NexoCipher(key).open(theirs as never)).toBe(plain);
  });

  it('uses a fresh nonce for every message', () => {
    const cipher = new NexoCipher(SAMPLE_KEY);
    const a = cipher.seal('{}');
    const b = cipher.seal('{}');
    expect(a.SecurityTrailer.Nonce).not.toBe(b.SecurityTrailer.Nonce);
    expect(a.NexoBlob).not.toBe(b.NexoBlob);
  });

  it('refuses an unsealed message when encryption is on: protection cannot be switched off on the wire', () => {
    const plain = JSON.stringify({
      SaleToPOIResponse: { MessageHeader: header, LoginResponse: { Response: { Result: 'Success' } } },
    });
    expect(
      plainCodec().decode('SaleToPOIResponse', plain, SaleToPOIResponse).SaleToPOIResponse.LoginResponse,
    ).toBeDefined();
    expect(() => encryptedCodec(SAMPLE_KEY).decode('SaleToPOIResponse', plain, SaleToPOIResponse)).toThrow(
      expect.objectContaining({ kind: 'tampered' }),
    );
  });

  it('refuses a malformed message with a typed error', () => {
    for (const body of [
      '',
      'not json',
      '[]',
      '{"SaleToPOIResponse":{}}',
      '{"SaleToPOIResponse":{"MessageHeader":{"POIID":1}}}',
    ]) {
      expect(() => plainCodec().decode('SaleToPOIResponse', body, SaleToPOIResponse)).toThrow(
        expect.objectContaining({ name: 'NexoMessageError', kind: 'malformed' }),
      );
    }
    expect(() => new NexoCipher({ ...SAMPLE_KEY, passphrase: '' })).toThrow(NexoSecurityError);
  });
});

describe('nexo responses', () => {
  it("reads Adyen's real plain PaymentResponse sample, keeping only scheme and last four digits", () => {
    const message = plainCodec().decode('SaleToPOIResponse', fixture('payment-sync-success.json'), SaleToPOIResponse);
    const payment = message.SaleToPOIResponse.PaymentResponse!;
    // The sample is in euro: a Danish kiosk refuses an amount it cannot compare with what it asked.
    expect(() => paymentOutcome(payment, '001')).toThrow(/EUR/);
    const inKroner = structuredClone(payment);
    inKroner.PaymentResult!.AmountsResp = { AuthorizedAmount: 1, Currency: 'DKK' };
    const outcome = paymentOutcome(inKroner, '001');
    expect(outcome).toEqual({
      outcome: 'approved',
      transactionRef: '4r7i001556529591000.8515565295894301',
      // The terminal's own time for the transaction, kept for a reversal to name it by.
      transactionTime: '2019-04-29T00:00:00.000Z',
      authorizedOre: 100,
      card: { scheme: 'mc', last4: '1111', approvalCode: '123456' },
      // The sample holds the cashier's receipt only: nothing for the cardholder.
      cardholderReceipt: null,
    });
    expect(JSON.stringify(outcome)).not.toContain('411111');
  });

  it("reads the cardholder's receipt in Adyen's form: labels and values as printed, spacers, bold, the card masked", () => {
    const payment = plainCodec().decode('SaleToPOIResponse', fixture('payment-sync-success.json'), SaleToPOIResponse)
      .SaleToPOIResponse.PaymentResponse!;
    payment.PaymentResult!.AmountsResp = { AuthorizedAmount: 1, Currency: 'DKK' };
    // The sample's receipt as the cardholder's copy (Adyen sends both in the same form).
    type Receipt = { DocumentQualifier: string; OutputContent: { OutputText: { Text: string }[] } };
    const [cashier] = payment.PaymentReceipt as [Receipt];
    const customer = { ...structuredClone(cashier), DocumentQualifier: 'CustomerReceipt' };
    const outcome = paymentOutcome({ ...payment, PaymentReceipt: [cashier, customer] }, '001');
    if (outcome.outcome !== 'approved') throw new Error('expected an approval');
    const lines = outcome.cardholderReceipt!;
    expect(lines[0]).toEqual({ name: 'MERCHANT COPY', value: '', bold: true }); // header1, header2: empty, left out
    expect(lines).toContainEqual({ name: 'Date', value: '29/04/19', bold: false });
    expect(lines).toContainEqual({ name: 'Card', value: '************3511', bold: false });
    expect(lines).toContainEqual({ name: 'Tender', value: '4r7i001556529591000', bold: false });
    expect(lines).toContainEqual({ name: 'TOTAL', value: '€\u00a01.00', bold: true });
    expect(lines.at(-1)).toEqual({ name: 'APPROVED', value: '', bold: true });
    expect(lines.filter((l) => !l.name && !l.value)).toHaveLength(6); // key=filler: empty lines

    // A card number printed in full never reaches the journal; one the kiosk cannot read is no
    // receipt, and the payment is still read.
    const unmasked = structuredClone(customer);
    unmasked.OutputContent.OutputText[7]!.Text = 'name=Card&value=4111%201111%201111%201111&key=pan';
    const masked = paymentOutcome({ ...payment, PaymentReceipt: [unmasked] }, '001');
    expect(JSON.stringify(masked)).not.toMatch(/4111.?1111/u);
    expect(masked).toMatchObject({
      cardholderReceipt: expect.arrayContaining([{ name: 'Card', value: '************1111', bold: false }]),
    });
    expect(paymentOutcome({ ...payment, PaymentReceipt: 'not a receipt' }, '001')).toMatchObject({
      outcome: 'approved',
      cardholderReceipt: null,
    });
  });

  it('never takes an answer for another sale transaction as ours', () => {
    const payment = plainCodec().decode('SaleToPOIResponse', fixture('payment-sync-success.json'), SaleToPOIResponse)
      .SaleToPOIResponse.PaymentResponse!;
    expect(() => paymentOutcome(payment, 'another-payment')).toThrow(/another sale transaction/);
  });

  it('maps failures to decline reasons', () => {
    const base = plainCodec().decode('SaleToPOIResponse', fixture('payment-sync-success.json'), SaleToPOIResponse)
      .SaleToPOIResponse.PaymentResponse!;
    const failed = (ErrorCondition: string, AdditionalResponse?: string) =>
      paymentOutcome(
        {
          ...base,
          Response: { Result: 'Failure', ErrorCondition, ...(AdditionalResponse ? { AdditionalResponse } : {}) },
        },
        '001',
      );
    expect(failed('Refusal')).toMatchObject({ outcome: 'declined', reason: 'refused' });
    expect(failed('Cancel')).toMatchObject({ outcome: 'declined', reason: 'cancelled' });
    expect(failed('Aborted')).toMatchObject({ outcome: 'declined', reason: 'aborted' });
    expect(failed('Aborted', 'refusalReason=CARD_REMOVED')).toMatchObject({ reason: 'card-removed' });
    expect(failed('WrongPin')).toMatchObject({ reason: 'wrong-pin' });
    expect(failed('Busy')).toMatchObject({ reason: 'busy' });
    expect(failed('SomethingNew')).toMatchObject({ reason: 'other', detail: 'SomethingNew' });
  });

  it("reads Adyen's TransactionStatus and EventNotification samples", () => {
    const status = TransactionStatusResponseBody.parse(
      (JSON.parse(fixture('sale-to-poi-response-transaction-status.json')) as { TransactionStatusResponse: unknown })
        .TransactionStatusResponse,
    );
    expect(status.Response.Result).toBe('Success');
    expect(status.MessageReference?.ServiceID).toBe('service-id');
    const event = EventNotificationBody.parse(JSON.parse(fixture('event-notification.json')));
    expect(event.EventToNotify).toBe('BeginMaintenance');
  });

  it("reads AdditionalResponse in both of Adyen's forms: key=value (its sample, over several lines) and base64 JSON", () => {
    const pairs = readAdditionalResponse(fixture('node-sync-additional-response.txt'));
    expect(pairs.get('pspReference')).toBe('8515565295894301');
    expect(pairs.get('backendGiftcardIndicator')).toBe('false'); // a key the sample breaks over two lines
    expect(pairs.get('cardSummary')).toBe('3511');
    expect(pairs.get('posAuthAmountValue')).toBe('100');
    const json = Buffer.from(
      JSON.stringify({
        additionalData: { refusalReason: 'CARD_REMOVED', pspReference: 'X1' },
        message: 'Card removed',
      }),
    ).toString('base64');
    expect(Object.fromEntries(readAdditionalResponse(json))).toMatchObject({
      refusalReason: 'CARD_REMOVED',
      pspReference: 'X1',
      message: 'Card removed',
    });
    expect(readAdditionalResponse('not base64 and no pairs').size).toBe(1); // one key, no value: harmless
    expect(readAdditionalResponse(undefined).size).toBe(0);
    // The meaning is the same either way: a card pulled out is "card removed", not a plain abort.
    const declined = (additional: string) =>
      paymentOutcome(
        {
          Response: { Result: 'Failure', ErrorCondition: 'Aborted', AdditionalResponse: additional },
          SaleData: { SaleTransactionID: { TransactionID: 'p1', TimeStamp: '2026-01-01T00:00:00Z' } },
          POIData: { POITransactionID: { TransactionID: 't1', TimeStamp: '2026-01-01T00:00:00Z' } },
        },
        'p1',
      );
    expect(declined(json)).toMatchObject({ outcome: 'declined', reason: 'card-removed' });
    expect(declined('refusalReason=CARD_REMOVED')).toMatchObject({ outcome: 'declined', reason: 'card-removed' });
  });

  it('accepts what Adyen’s models accept: a repeated answer without its header, long card texts', () => {
    const sample = (
      JSON.parse(fixture('payment-sync-success.json')) as { SaleToPOIResponse: { PaymentResponse: unknown } }
    ).SaleToPOIResponse.PaymentResponse as Record<string, unknown>;
    const payment = structuredClone(sample) as {
      PaymentResult: {
        PaymentInstrumentData: { CardData: Record<string, unknown> };
        PaymentAcquirerData: Record<string, unknown>;
      };
    };
    payment.PaymentResult.PaymentInstrumentData.CardData.MaskedPan =
      '541333 **** **** **** 3511 (a wallet token, longer)';
    payment.PaymentResult.PaymentAcquirerData.ApprovalCode = 'APPROVAL-CODE-LONGER-THAN-20';
    // RepeatedMessageResponse.MessageHeader is not needed to read the answer: the sale
    // transaction id says whose it is.
    const status = TransactionStatusResponseBody.parse({
      Response: { Result: 'Success' },
      RepeatedMessageResponse: { RepeatedResponseMessageBody: { PaymentResponse: payment } },
    });
    expect(status.RepeatedMessageResponse?.RepeatedResponseMessageBody.PaymentResponse).toBeDefined();
    // Still refused: what would change money.
    expect(() =>
      TransactionStatusResponseBody.parse({
        Response: { Result: 'Approved' },
        RepeatedMessageResponse: { RepeatedResponseMessageBody: { PaymentResponse: payment } },
      }),
    ).toThrow();
  });

  it('makes ServiceIDs of 10 alphanumerics that do not repeat', () => {
    const ids = Array.from({ length: 10_000 }, newServiceId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
