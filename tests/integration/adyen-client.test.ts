import adyen from '@adyen/api-library';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalSimulator } from '../../devices/terminal/simulator/server.js';
import { NexoTerminal } from '../../devices/terminal/nexo/driver.js';
import { encryptedCodec } from '../../devices/terminal/nexo/codec.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { FAST_TIMING, TEST_KEY } from '../support/terminal-fixture.js';

/**
 * The terminal simulator as Adyen's official Node client (@adyen/api-library TerminalLocalAPI)
 * sees it: encrypted with the library's own NexoCrypto, the certificate checked by the library's
 * own rule (a common name `<POIID>.<test|live>.terminal.adyen.com` under the CA in
 * `certificatePath`), posted where the library posts (`/nexo/`). What the simulator answers must
 * deserialise into the library's models with the meaning each case has. A simulator written by
 * the same hands as the driver cannot drift from Adyen here without a failing test.
 */
// A CommonJS package: Node hands its exports over as `default`.
const { Client, TerminalLocalAPI } = ((adyen as unknown as { default?: typeof adyen }).default ??
  adyen) as typeof adyen;

const POIID = 'V400m-324688179'; // the shape Adyen names terminals: model-serial
const dir = tempDir();
let simulator: TerminalSimulator;
let api: InstanceType<typeof TerminalLocalAPI>;
const key = {
  KeyIdentifier: TEST_KEY.keyIdentifier,
  KeyVersion: TEST_KEY.keyVersion,
  Passphrase: TEST_KEY.passphrase,
  AdyenCryptoVersion: 1,
};

beforeAll(async () => {
  // The terminal waits long for a PIN here: the abort, not its own timeout, must end that payment.
  simulator = new TerminalSimulator({
    key: TEST_KEY,
    poiId: POIID,
    timing: { ...FAST_TIMING, terminalTimeoutMs: 60_000 },
  });
  await simulator.start();
  const certificatePath = join(dir.path, 'terminal-ca.pem');
  writeFileSync(certificatePath, simulator.caPem);
  const client = new Client({
    apiKey: 'not-used-by-a-local-terminal',
    environment: 'TEST',
    certificatePath,
    // The library appends ":8443/nexo/" to this; the fragment swallows it, so it posts to
    // /nexo/ on the simulator's own port (a test cannot hold port 8443).
    terminalApiLocalEndpoint: `${simulator.url.replace(/\/nexo$/u, '')}/nexo/#`,
  } as never);
  api = new TerminalLocalAPI(client);
});
afterAll(async () => {
  await simulator.close();
  dir.remove();
});

let serviceCounter = 0;
const header = (category: string) => ({
  MessageClass: 'Service',
  MessageCategory: category,
  MessageType: 'Request',
  ProtocolVersion: '3.0',
  ServiceID: `Adyen${String(++serviceCounter).padStart(5, '0')}`,
  SaleID: 'KIOSK-ADYEN',
  POIID,
});

const payment = (amount: number) => {
  const messageHeader = header('Payment');
  return {
    messageHeader,
    request: {
      SaleToPOIRequest: {
        MessageHeader: messageHeader,
        PaymentRequest: {
          SaleData: {
            SaleTransactionID: { TransactionID: `tx-${messageHeader.ServiceID}`, TimeStamp: new Date().toISOString() },
          },
          PaymentTransaction: { AmountsReq: { Currency: 'DKK', RequestedAmount: amount } },
        },
      },
    },
  };
};

describe("Adyen's official client against the terminal simulator", () => {
  it('pays, asks the status of that payment, and reverses it: encrypted, with Adyen’s certificate check', async () => {
    const { messageHeader, request } = payment(12.5);
    const paid = await api.request(request as never, key);
    const answer = paid.SaleToPOIResponse!.PaymentResponse!;
    expect(answer.Response.Result).toBe('Success');
    expect(answer.PaymentResult?.AmountsResp?.AuthorizedAmount).toBe(12.5);
    const transaction = answer.POIData.POITransactionID;
    expect(transaction.TransactionID).toMatch(/\S/u);
    // Both receipts, as Adyen's model has them: the cardholder's is the one the kiosk prints.
    expect(answer.PaymentReceipt?.map((r) => r.DocumentQualifier)).toEqual(['CashierReceipt', 'CustomerReceipt']);
    expect(answer.PaymentReceipt?.[1]?.OutputContent.OutputText?.map((t) => t.Text)).toContain(
      'name=TOTAL&value=DKK%2012.50&key=totalAmount',
    );

    const status = await api.request(
      {
        SaleToPOIRequest: {
          MessageHeader: header('TransactionStatus'),
          TransactionStatusRequest: {
            MessageReference: { MessageCategory: 'Payment', SaleID: 'KIOSK-ADYEN', ServiceID: messageHeader.ServiceID },
          },
        },
      } as never,
      key,
    );
    const repeated = status.SaleToPOIResponse!.TransactionStatusResponse!;
    expect(repeated.Response.Result).toBe('Success');
    expect(
      repeated.RepeatedMessageResponse?.RepeatedResponseMessageBody?.PaymentResponse?.POIData.POITransactionID
        .TransactionID,
    ).toBe(transaction.TransactionID);

    const reversal = await api.request(
      {
        SaleToPOIRequest: {
          MessageHeader: header('Reversal'),
          ReversalRequest: {
            OriginalPOITransaction: { POITransactionID: transaction },
            ReversalReason: 'MerchantCancel',
          },
        },
      } as never,
      key,
    );
    const reversed = reversal.SaleToPOIResponse!.ReversalResponse!;
    expect(reversed.Response.Result).toBe('Success');
    // The fields Adyen's model has for a reversal: its own transaction and the amount given back.
    expect(reversed.ReversedAmount).toBe(12.5);
    expect(reversed.POIData?.POITransactionID.TransactionID).toMatch(/\S/u);
    expect(reversed.OriginalPOITransaction?.POITransactionID?.TransactionID).toBe(transaction.TransactionID);
    expect(simulator.paymentsFor(`tx-${messageHeader.ServiceID}`)).toEqual([
      expect.objectContaining({ captured: false, reversed: true }),
    ]);
  });

  it('answers the terminal status request (DiagnosisRequest) in the shape of Adyen’s model', async () => {
    const diagnosis = await api.request(
      {
        SaleToPOIRequest: { MessageHeader: header('Diagnosis'), DiagnosisRequest: { HostDiagnosisFlag: true } },
      } as never,
      key,
    );
    const answer = diagnosis.SaleToPOIResponse!.DiagnosisResponse!;
    expect(answer.Response.Result).toBe('Success');
    expect(answer.POIStatus?.GlobalStatus).toBe('OK');
    expect(answer.HostStatus).toEqual([expect.objectContaining({ IsReachableFlag: true })]);
  });

  it('a declined card is a Failure with the reason Adyen gives it; an abort stops a payment waiting for the PIN', async () => {
    simulator.queueScenario('decline');
    const declined = await api.request(payment(20).request as never, key);
    expect(declined.SaleToPOIResponse!.PaymentResponse!.Response).toMatchObject({ Result: 'Failure' });

    simulator.queueScenario('wait-for-pin');
    const { messageHeader, request } = payment(30);
    const waiting = api.request(request as never, key);
    // The payment is at "enter PIN" once the simulator has it; then the abort names it.
    await expect.poll(() => simulator.paymentsFor(`tx-${messageHeader.ServiceID}`).length).toBe(1);
    const abort = await api.request(
      {
        SaleToPOIRequest: {
          MessageHeader: header('Abort'),
          AbortRequest: {
            AbortReason: 'MerchantAbort',
            MessageReference: { MessageCategory: 'Payment', SaleID: 'KIOSK-ADYEN', ServiceID: messageHeader.ServiceID },
          },
        },
      } as never,
      key,
    );
    expect(abort.SaleToPOIResponse).toBeUndefined(); // no answer to an abort
    const aborted = (await waiting).SaleToPOIResponse!.PaymentResponse!.Response;
    expect(aborted).toMatchObject({ Result: 'Failure', ErrorCondition: 'Aborted' });
  });

  it('the kiosk’s driver refuses a terminal whose certificate names another POIID (Adyen-signed or not)', async () => {
    const { log } = memoryLogger();
    const impostor = new NexoTerminal({
      url: simulator.url,
      poiId: 'V400m-999999999', // the kiosk is configured for another terminal
      saleId: 'KIOSK1',
      codec: encryptedCodec(TEST_KEY),
      caPem: simulator.caPem,
      terminalTimeoutMs: 1_000,
      clientTimeoutMs: 2_000,
      requestTimeoutMs: 1_000,
      maxTransitMs: 1_000,
      log,
    });
    try {
      const health = await impostor.health();
      expect(health).toMatchObject({ available: false });
      expect(JSON.stringify(health)).toContain('V400m-999999999.live.terminal.adyen.com');
    } finally {
      await impostor.close();
    }
  });
});
