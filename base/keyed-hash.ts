import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of a value for one purpose, hex. For identifiers with few possible values (staff
 * cards, CPR and library card numbers), where a plain hash is reversed by trying them all: without
 * the key, the hash says nothing.
 */
export function keyedHash(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\0${value}`).digest('hex');
}

/** A short reference to a person in the audit log: the same person gives the same reference on this kiosk. */
export function personReference(key: Buffer, identifier: string): string {
  return `person:${keyedHash(key, 'person', identifier).slice(0, 20)}`;
}
