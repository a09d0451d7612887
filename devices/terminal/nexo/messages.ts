import { z } from 'zod';

/**
 * The part of nexo Sale-to-POI (as carried by Adyen's Terminal API, protocol 3.0) the kiosk
 * speaks, shared by the driver and the simulator. Inbound schemas are loose: real terminals send
 * many more fields than we read, and an unknown extra field must never fail a payment. Fields we
 * rely on are checked strictly. Amounts on the wire are decimal kroner; money becomes øre at
 * this edge and nowhere else.
 */
export const PROTOCOL_VERSION = '3.0';

export const MessageCategory = z.enum([
  'Payment',
  'TransactionStatus',
  'Abort',
  'Reversal',
  'Login',
  'Display',
  'Event',
  'Diagnosis',
]);
export type MessageCategory = z.infer<typeof MessageCategory>;

export const MessageHeader = z.looseObject({
  ProtocolVersion: z.string().optional(),
  MessageClass: z.enum(['Service', 'Device', 'Event']),
  MessageCategory,
  MessageType: z.enum(['Request', 'Response', 'Notification']),
  /** 1–10 alphanumerics, unique per terminal for 48 hours. */
  ServiceID: z.string().min(1).max(10).optional(),
  SaleID: z.string().min(1).max(100).optional(),
  POIID: z.string().min(1).max(100),
});
export type MessageHeader = z.infer<typeof MessageHeader>;

export const ErrorCondition = z.enum([
  'Aborted',
  'Busy',
  'Cancel',
  'DeviceOut',
  'InProgress',
  'InsertedCard',
  'InvalidCard',
  'LoggedOut',
  'MessageFormat',
  'NotAllowed',
  'NotFound',
  'PaymentRestriction',
  'Refusal',
  'UnavailableDevice',
  'UnavailableService',
  'UnreachableHost',
  'WrongPIN',
]);
export type ErrorCondition = z.infer<typeof ErrorCondition>;

export const Response = z.looseObject({
  Result: z.enum(['Success', 'Failure', 'Partial']),
  // Real terminals spell some conditions in their own case (WrongPin); unknown ones are kept as text.
  ErrorCondition: z.string().max(200).optional(),
  AdditionalResponse: z.string().max(100_000).optional(),
});
export type Response = z.infer<typeof Response>;

// Lengths: as Adyen's own models (adyen-node-api-library typings/terminal) — no caps on text
// that does not move money; only what decides money (result, amount, currency) is held tight.
const TransactionIdentification = z.looseObject({
  TransactionID: z.string().min(1).max(2000),
  TimeStamp: z.string().min(1).max(100),
});

export const PaymentResponseBody = z.looseObject({
  Response,
  SaleData: z.looseObject({ SaleTransactionID: TransactionIdentification }),
  POIData: z.looseObject({ POITransactionID: TransactionIdentification }),
  PaymentResult: z
    .looseObject({
      PaymentInstrumentData: z
        .looseObject({
          CardData: z
            .looseObject({
              PaymentBrand: z.string().max(2000).optional(),
              MaskedPan: z.string().max(2000).optional(),
            })
            .optional(),
        })
        .optional(),
      AmountsResp: z
        .looseObject({ AuthorizedAmount: z.number().nonnegative(), Currency: z.string().length(3) })
        .optional(),
      PaymentAcquirerData: z.looseObject({ ApprovalCode: z.string().max(2000).optional() }).optional(),
    })
    .optional(),
  // Read apart, leniently (card-receipt.ts): a receipt it cannot read never makes the payment unreadable.
  PaymentReceipt: z.unknown().optional(),
});
export type PaymentResponseBody = z.infer<typeof PaymentResponseBody>;

const MessageReference = z.looseObject({
  MessageCategory: MessageCategory.optional(),
  ServiceID: z.string().max(10).optional(),
  SaleID: z.string().max(100).optional(),
  POIID: z.string().max(100).optional(),
});

export const TransactionStatusResponseBody = z.looseObject({
  Response,
  MessageReference: MessageReference.optional(),
  RepeatedMessageResponse: z
    .looseObject({
      MessageHeader: MessageHeader.optional(),
      RepeatedResponseMessageBody: z.looseObject({ PaymentResponse: PaymentResponseBody.optional() }),
    })
    .optional(),
});

export const ResponseOnlyBody = z.looseObject({ Response });

/** Adyen's DiagnosisResponse model: the terminal's state and whether it reaches its acquirers. */
export const DiagnosisResponseBody = z.looseObject({
  Response,
  POIStatus: z
    .looseObject({ GlobalStatus: z.string().max(40), CommunicationOKFlag: z.boolean().optional() })
    .optional(),
  HostStatus: z
    .array(z.looseObject({ AcquirerID: z.string().max(200).optional(), IsReachableFlag: z.boolean().optional() }))
    .max(50)
    .optional(),
});

export const DisplayRequestBody = z.looseObject({
  DisplayOutput: z
    .array(
      z.looseObject({
        Device: z.string().max(40).optional(),
        InfoQualify: z.string().max(40).optional(),
        OutputContent: z.looseObject({
          OutputFormat: z.string().max(20).optional(),
          PredefinedContent: z.looseObject({ ReferenceID: z.string().max(2000) }).optional(),
          OutputText: z.array(z.looseObject({ Text: z.string().max(2000) })).optional(),
        }),
      }),
    )
    .min(1)
    .max(20),
});

export const EventNotificationBody = z.looseObject({
  EventToNotify: z.string().min(1).max(60),
  TimeStamp: z.string().max(40),
  EventDetails: z.string().max(2000).optional(),
});

/** A response from the terminal, plain (decrypted) form. */
export const SaleToPOIResponse = z
  .object({
    SaleToPOIResponse: z.looseObject({
      MessageHeader,
      PaymentResponse: PaymentResponseBody.optional(),
      TransactionStatusResponse: TransactionStatusResponseBody.optional(),
      LoginResponse: ResponseOnlyBody.optional(),
      ReversalResponse: ResponseOnlyBody.optional(),
      DiagnosisResponse: DiagnosisResponseBody.optional(),
    }),
  })
  .strict();
export type SaleToPOIResponse = z.infer<typeof SaleToPOIResponse>;

/** A message the terminal starts (display and event notifications), plain form. */
export const TerminalNotification = z
  .object({
    SaleToPOIRequest: z.looseObject({
      MessageHeader,
      DisplayRequest: DisplayRequestBody.optional(),
      EventNotification: EventNotificationBody.optional(),
    }),
  })
  .strict();
export type TerminalNotification = z.infer<typeof TerminalNotification>;

const AmountKroner = z.number().positive().max(1_000_000);

/** A request from the sale system (parsed by the simulator). */
export const SaleToPOIRequest = z
  .object({
    SaleToPOIRequest: z.looseObject({
      MessageHeader: MessageHeader.extend({
        ServiceID: z.string().regex(/^[A-Za-z0-9]{1,10}$/),
        SaleID: z.string().min(1).max(100),
      }),
      PaymentRequest: z
        .looseObject({
          SaleData: z.looseObject({ SaleTransactionID: TransactionIdentification }),
          PaymentTransaction: z.looseObject({
            AmountsReq: z.looseObject({ Currency: z.string().length(3), RequestedAmount: AmountKroner }),
          }),
        })
        .optional(),
      TransactionStatusRequest: z
        .looseObject({ MessageReference: MessageReference.optional(), ReceiptReprintFlag: z.boolean().optional() })
        .optional(),
      AbortRequest: z.looseObject({ MessageReference: MessageReference, AbortReason: z.string().max(200) }).optional(),
      ReversalRequest: z
        .looseObject({
          OriginalPOITransaction: z.looseObject({ POITransactionID: TransactionIdentification }),
          ReversalReason: z.string().max(40),
        })
        .optional(),
      LoginRequest: z.looseObject({}).optional(),
      DiagnosisRequest: z.looseObject({ HostDiagnosisFlag: z.boolean().optional() }).optional(),
    }),
  })
  .strict();
export type SaleToPOIRequest = z.infer<typeof SaleToPOIRequest>;

/** The secured envelope: header in the clear, the whole message encrypted in NexoBlob. */
export const SecuredEnvelope = z
  .object({
    MessageHeader,
    NexoBlob: z.string().min(1).max(4_000_000),
    SecurityTrailer: z.looseObject({
      AdyenCryptoVersion: z.number().int(),
      KeyIdentifier: z.string().min(1).max(100),
      KeyVersion: z.number().int(),
      Nonce: z.string().min(1).max(100),
      Hmac: z.string().min(1).max(100),
    }),
  })
  .strict();

export interface HeaderFields {
  readonly category: MessageCategory;
  readonly serviceId: string;
  readonly saleId: string;
  readonly poiId: string;
}

export function requestHeader(h: HeaderFields): MessageHeader {
  return {
    ProtocolVersion: PROTOCOL_VERSION,
    MessageClass: 'Service',
    MessageCategory: h.category,
    MessageType: 'Request',
    ServiceID: h.serviceId,
    SaleID: h.saleId,
    POIID: h.poiId,
  };
}
