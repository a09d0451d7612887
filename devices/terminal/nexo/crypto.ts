import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Terminal API's message protection (Adyen "NexoBlob"): keys from PBKDF2-SHA1 of a shared
 * passphrase, AES-256-CBC over the nexo JSON, HMAC-SHA256 over the plain JSON, and a random
 * nonce per message XORed into the derived IV.
 *
 * `@adyen/api-library`'s NexoCrypto implements the same scheme and is this module's reference in
 * the tests (messages cross both ways). We keep our own because the library derives the keys
 * again for every message: about 25 ms of blocked event loop per message on this machine,
 * four times per payment round trip. Here the keys are derived once per passphrase.
 */
export interface NexoKey {
  readonly keyIdentifier: string;
  readonly keyVersion: number;
  readonly passphrase: string;
  /** Adyen's crypto version; 1 is the only one there is. */
  readonly cryptoVersion?: number;
}

export interface SecurityTrailer {
  readonly AdyenCryptoVersion: number;
  readonly KeyIdentifier: string;
  readonly KeyVersion: number;
  readonly Nonce: string;
  readonly Hmac: string;
}

export interface SealedMessage {
  readonly NexoBlob: string;
  readonly SecurityTrailer: SecurityTrailer;
}

/** A message that cannot be trusted: wrong key, bad HMAC, or not decryptable. */
export class NexoSecurityError extends Error {
  override name = 'NexoSecurityError';
}

const SALT = Buffer.from('AdyenNexoV1Salt', 'latin1');
const ITERATIONS = 4000;
const HMAC_KEY = 32;
const CIPHER_KEY = 32;
const IV = 16;

interface DerivedKey {
  readonly hmacKey: Buffer;
  readonly cipherKey: Buffer;
  readonly iv: Buffer;
}

function derive(passphrase: string): DerivedKey {
  // The library asks PBKDF2 for more bytes and uses the first 80; PBKDF2's output is a prefix
  // of any longer output, so asking for exactly 80 gives the same keys for an eighth of the work.
  const material = pbkdf2Sync(Buffer.from(passphrase, 'latin1'), SALT, ITERATIONS, HMAC_KEY + CIPHER_KEY + IV, 'sha1');
  return {
    hmacKey: material.subarray(0, HMAC_KEY),
    cipherKey: material.subarray(HMAC_KEY, HMAC_KEY + CIPHER_KEY),
    iv: material.subarray(HMAC_KEY + CIPHER_KEY),
  };
}

export class NexoCipher {
  private readonly derived: DerivedKey;

  constructor(private readonly key: NexoKey) {
    if (!key.passphrase || !key.keyIdentifier || !Number.isInteger(key.keyVersion)) {
      throw new NexoSecurityError('a terminal key needs a passphrase, an identifier and a version');
    }
    this.derived = derive(key.passphrase);
  }

  seal(plainJson: string): SealedMessage {
    const nonce = randomBytes(IV);
    const plain = Buffer.from(plainJson, 'utf8');
    const cipher = createCipheriv('aes-256-cbc', this.derived.cipherKey, this.ivFor(nonce));
    const blob = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      NexoBlob: blob.toString('base64'),
      SecurityTrailer: {
        AdyenCryptoVersion: this.key.cryptoVersion ?? 1,
        KeyIdentifier: this.key.keyIdentifier,
        KeyVersion: this.key.keyVersion,
        Nonce: nonce.toString('base64'),
        Hmac: this.mac(plain).toString('base64'),
      },
    };
  }

  /** The plain JSON, only if the message was sealed with our key and not changed on the way. */
  open(message: SealedMessage): string {
    const trailer = message.SecurityTrailer;
    if (trailer.KeyIdentifier !== this.key.keyIdentifier || trailer.KeyVersion !== this.key.keyVersion) {
      throw new NexoSecurityError(
        `message sealed with key ${trailer.KeyIdentifier} v${trailer.KeyVersion}, expected ${this.key.keyIdentifier} v${this.key.keyVersion}`,
      );
    }
    const nonce = Buffer.from(trailer.Nonce, 'base64');
    if (nonce.length !== IV) throw new NexoSecurityError('the message nonce is not 16 bytes');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.derived.cipherKey, this.ivFor(nonce));
      plain = Buffer.concat([decipher.update(Buffer.from(message.NexoBlob, 'base64')), decipher.final()]);
    } catch {
      throw new NexoSecurityError('the message could not be decrypted with our key');
    }
    const expected = this.mac(plain);
    const received = Buffer.from(trailer.Hmac, 'base64');
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      throw new NexoSecurityError('HMAC check failed: the message was changed or sealed with another passphrase');
    }
    return plain.toString('utf8');
  }

  private ivFor(nonce: Buffer): Buffer {
    const iv = Buffer.alloc(IV);
    for (let i = 0; i < IV; i++) iv[i] = this.derived.iv[i]! ^ nonce[i]!;
    return iv;
  }

  private mac(plain: Buffer): Buffer {
    return createHmac('sha256', this.derived.hmacKey).update(plain).digest();
  }
}
