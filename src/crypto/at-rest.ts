/**
 * Encryption at rest: AES-256-GCM under a key derived from the user's
 * password with PBKDF2-HMAC-SHA256 (600,000 iterations, the OWASP 2023
 * figure), all through WebCrypto.
 */
import { TandemError } from '../errors/index';

/** PBKDF2 iteration count for new keyrings. */
export const PBKDF2_ITERATIONS = 600_000;

/** Parameters of the password KDF, stored beside the ciphertexts. */
export interface KdfParams {
  name: 'PBKDF2';
  hash: 'SHA-256';
  iterations: number;
  /** base64 salt, 16 bytes. */
  salt: string;
}

/** An AES-GCM ciphertext (base64 fields). */
export interface Sealed {
  alg: 'AES-GCM';
  iv: string;
  ciphertext: string;
}

/** Fresh KDF parameters with a random salt. */
export function newKdfParams(iterations = PBKDF2_ITERATIONS): KdfParams {
  return { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(crypto.getRandomValues(new Uint8Array(16))) };
}

/** Derives the 32-byte vault key from the password. */
export async function deriveKeyBytes(password: string, kdf: KdfParams): Promise<Uint8Array<ArrayBuffer>> {
  if (kdf.name !== 'PBKDF2' || kdf.hash !== 'SHA-256' || !(kdf.iterations >= 100_000)) {
    throw new TandemError('crypto.kdfUnsupported', 'Unsupported key-derivation parameters in the vault store.', { details: { kdf } });
  }
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', iterations: kdf.iterations, salt: fromBase64(kdf.salt) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/** Imports raw key bytes as a non-extractable AES-GCM key. */
export function importAesKey(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Encrypts bytes; `aad` binds the ciphertext to its record (e.g. the vault id). */
export async function seal(key: CryptoKey, plaintext: Uint8Array<ArrayBuffer>, aad: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(aad) }, key, plaintext);
  return { alg: 'AES-GCM', iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ct)) };
}

/** Decrypts; throws {@link DecryptError} if the key is wrong or the data was altered. */
export async function open(key: CryptoKey, sealed: Sealed, aad: string): Promise<Uint8Array> {
  try {
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(aad) },
      key,
      fromBase64(sealed.ciphertext),
    );
    return new Uint8Array(pt);
  } catch {
    throw new DecryptError();
  }
}

/** AES-GCM authentication failed: wrong key or tampered ciphertext. */
export class DecryptError extends TandemError<'crypto.decrypt'> {
  override name = 'DecryptError';
  constructor() {
    super('crypto.decrypt', 'Decryption failed: wrong password or damaged data.');
  }
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
