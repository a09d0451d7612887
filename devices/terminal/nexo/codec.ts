import type { z } from 'zod';
import { NexoCipher, NexoSecurityError, type NexoKey } from './crypto.js';
import { SecuredEnvelope, type MessageHeader } from './messages.js';

/**
 * Turns nexo messages into HTTP bodies and back. Two variants: `encrypted` (the Terminal API's
 * NexoBlob, what production terminals speak) and `plain` (lab terminals with encryption off).
 * An encrypted codec refuses a plain message: nobody can switch the protection off on the wire.
 */
export class NexoMessageError extends Error {
  override name = 'NexoMessageError';
  constructor(
    /** `malformed`: not the JSON or shape we expect; `tampered`: failed the key/HMAC check. */
    readonly kind: 'malformed' | 'tampered',
    message: string,
  ) {
    super(message);
  }
}

export type Root = 'SaleToPOIRequest' | 'SaleToPOIResponse';

export interface NexoCodec {
  readonly encrypted: boolean;
  /** `message` is the whole `{ SaleToPOIRequest | SaleToPOIResponse: {...} }` object. */
  encode(root: Root, message: object, header: MessageHeader): string;
  decode<S extends z.ZodType>(root: Root, body: string, schema: S): z.infer<S>;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new NexoMessageError('malformed', 'the message is not JSON');
  }
}

function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NexoMessageError(
      'malformed',
      `unexpected nexo message: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
    );
  }
  return result.data;
}

export function plainCodec(): NexoCodec {
  return {
    encrypted: false,
    encode: (_root, message) => JSON.stringify(message),
    decode: (_root, body, schema) => validate(schema, parseJson(body)),
  };
}

export function encryptedCodec(key: NexoKey): NexoCodec {
  const cipher = new NexoCipher(key);
  return {
    encrypted: true,
    encode(root, message, header) {
      return JSON.stringify({ [root]: { MessageHeader: header, ...cipher.seal(JSON.stringify(message)) } });
    },
    decode(root, body, schema) {
      const outer = parseJson(body);
      const envelope = (outer as Record<string, unknown> | null)?.[root];
      if (typeof outer !== 'object' || outer === null || Object.keys(outer).length !== 1 || envelope === undefined) {
        throw new NexoMessageError('malformed', `expected one ${root}`);
      }
      const sealed = SecuredEnvelope.safeParse(envelope);
      if (!sealed.success) throw new NexoMessageError('tampered', 'the message is not sealed with the terminal key');
      let plain: string;
      try {
        plain = cipher.open(sealed.data);
      } catch (error) {
        if (error instanceof NexoSecurityError) throw new NexoMessageError('tampered', error.message);
        throw error;
      }
      const message = validate(schema, parseJson(plain));
      // The header travels in the clear too; it must say what the sealed one says, or a sealed
      // answer could be replayed under another request's header.
      const inner = (message as Record<Root, { MessageHeader: MessageHeader }>)[root].MessageHeader;
      const clear = sealed.data.MessageHeader;
      if (
        inner.ServiceID !== clear.ServiceID ||
        inner.POIID !== clear.POIID ||
        inner.SaleID !== clear.SaleID ||
        inner.MessageCategory !== clear.MessageCategory
      ) {
        throw new NexoMessageError('tampered', 'the clear message header does not match the sealed one');
      }
      return message;
    },
  };
}
