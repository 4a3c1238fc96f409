/**
 * A Solana signing request on the paired channel: the serialized
 * transaction or the message itself, never a hash (docs/solana.md).
 *
 * The requester sends `{ v: 1, kind: 'solana_transaction', signer, tx }`
 * (`tx`: the wire transaction, base64, signature slots included) or
 * `{ v: 1, kind: 'solana_message', signer, message }` (`message`: hex, as
 * `solana:signMessage` and Sign-In With Solana give it). Every co-signer
 * parses it here, decodes the transaction itself (./solana-request.ts),
 * checks that `signer` is its own vault's address, and signs with FROST
 * exactly the bytes it decoded: the transaction's message, or the message.
 *
 * A `solana_message` whose bytes decode as a transaction message is refused:
 * signing it would sign a transaction while the screen shows a message.
 */
import {
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getTransactionDecoder,
  getTransactionEncoder,
  isAddress,
  type SignatureBytes,
} from '@solana/kit';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { encodeTranscript } from '../tss/transcript.js';
import { isPlainObject } from '../tss/wire.js';
import {
  decodeSolanaTransaction,
  describeSolanaMessage,
  describeSolanaTransaction,
  SolanaRequestError,
  type SolanaTransactionView,
} from './solana-request.js';
import { MAX_PAYLOAD_BYTES, SIGNING_REQUEST_VERSION, SigningRequestRejected } from './signing-request.js';

/** A Solana transaction for the vault to sign (legacy or v0), base64 of its wire bytes. */
export interface SolanaTransactionRequest {
  v: typeof SIGNING_REQUEST_VERSION;
  kind: 'solana_transaction';
  /** The vault's Solana address (base58): every co-signer checks it is its own. */
  signer: string;
  tx: string;
}

/** An off-chain message (`solana:signMessage`, Sign-In With Solana): its bytes, hex (no 0x). */
export interface SolanaMessageRequest {
  v: typeof SIGNING_REQUEST_VERSION;
  kind: 'solana_message';
  signer: string;
  message: string;
}

export type SolanaSigningRequest = SolanaTransactionRequest | SolanaMessageRequest;

const reject = (reason: string, code = 'signing.badRequest'): never => {
  throw new SigningRequestRejected(reason, { code });
};

/** True for the kinds this module parses. */
export function isSolanaKind(kind: unknown): kind is SolanaSigningRequest['kind'] {
  return kind === 'solana_transaction' || kind === 'solana_message';
}

export function isSolanaRequest(req: { kind: string }): req is SolanaSigningRequest {
  return isSolanaKind(req.kind);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (canonical padding, nothing else): the bytes, or a refusal. */
export function base64ToBytes(text: string): Uint8Array {
  if (!BASE64.test(text)) reject('tx must be canonical base64');
  const bin = atob(text);
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  if (bytesToBase64(out) !== text) reject('tx must be canonical base64');
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function solanaError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SolanaRequestError) return reject(e.message, 'solana.requestInvalid');
    throw e;
  }
}

/** The bytes parse as a Solana transaction message (legacy or versioned), exactly. */
function isTransactionMessage(bytes: Uint8Array): boolean {
  try {
    const m = getCompiledTransactionMessageDecoder().decode(bytes);
    const again = new Uint8Array(getCompiledTransactionMessageEncoder().encode(m));
    return again.length === bytes.length && again.every((b, i) => b === bytes[i]);
  } catch {
    return false;
  }
}

/** Strictly parses a Solana request received from another device (it is decoded too: what does not decode is refused). */
export function parseSolanaSigningRequest(x: unknown): SolanaSigningRequest {
  if (!isPlainObject(x)) return reject('signing request must be an object');
  if (x.v !== SIGNING_REQUEST_VERSION) reject(`unsupported signing request version ${String(x.v)}`);
  if (typeof x.signer !== 'string' || !isAddress(x.signer)) reject('signer must be a base58 Solana address');
  const signer = x.signer as string;
  const keys = Object.keys(x).sort().join(',');
  if (x.kind === 'solana_transaction') {
    if (keys !== 'kind,signer,tx,v') reject('solana_transaction request has unexpected fields');
    if (typeof x.tx !== 'string' || x.tx.length > ((MAX_PAYLOAD_BYTES + 2) / 3) * 4) reject('tx must be base64 of a transaction');
    const tx = x.tx as string;
    solanaError(() => decodeSolanaTransaction(base64ToBytes(tx), signer));
    return { v: SIGNING_REQUEST_VERSION, kind: 'solana_transaction', signer, tx };
  }
  if (x.kind === 'solana_message') {
    if (keys !== 'kind,message,signer,v') reject('solana_message request has unexpected fields');
    const m = x.message;
    if (typeof m !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(m) || m.length / 2 > MAX_PAYLOAD_BYTES)
      reject(`message must be lower-case hex of 1..${MAX_PAYLOAD_BYTES} bytes`);
    if (isTransactionMessage(hexToBytes(m as string)))
      reject('the message is a Solana transaction: Tandem signs transactions only as transactions', 'solana.requestInvalid');
    return { v: SIGNING_REQUEST_VERSION, kind: 'solana_message', signer, message: m as string };
  }
  return reject(`unknown signing request kind ${String(x.kind)}`);
}

/** The decoded transaction of a (parsed) request. */
export function solanaTransactionOf(req: SolanaTransactionRequest): SolanaTransactionView {
  return solanaError(() => decodeSolanaTransaction(base64ToBytes(req.tx), req.signer));
}

/** Exactly the bytes the vault signs: the transaction's message, or the message. */
export function solanaBytesToSign(req: SolanaSigningRequest): Uint8Array {
  return req.kind === 'solana_transaction' ? solanaTransactionOf(req).messageBytes : hexToBytes(req.message);
}

/**
 * The commitment carried as the request's `digest` (and bound into the
 * signing session id): SHA-256 over the kind and the bytes to sign. Every
 * co-signer recomputes it from the bytes it decoded; FROST signs the bytes.
 */
export function solanaDigestOf(req: SolanaSigningRequest): Uint8Array {
  return sha256(encodeTranscript('solana-sign', req.kind, solanaBytesToSign(req)));
}

/** The lines a co-signer prints or shows for the request. */
export function describeSolanaRequest(req: SolanaSigningRequest): string[] {
  if (req.kind === 'solana_transaction') {
    const view = solanaTransactionOf(req);
    return [
      `Solana transaction (${view.version === 'legacy' ? 'legacy' : `v${view.version}`}) signed by ${req.signer}`,
      ...describeSolanaTransaction(view, req.signer),
    ];
  }
  const m = describeSolanaMessage(hexToBytes(req.message));
  return [`Solana message signed by ${req.signer}:`, m.text ?? `(not text) 0x${m.hex}`];
}

/** Refuses unless `own` (this co-signer's vault address) is the request's signer. */
export function checkSolanaSigner(req: SolanaSigningRequest, own: string): void {
  if (req.signer !== own)
    reject(`the request is for Solana account ${req.signer}, not this vault's ${own}: refusing`, 'solana.requestInvalid');
}

/** The wire transaction `tx` (base64) with `signature` in `signer`'s slot, base64 (what `sendTransaction` takes). */
export function withSolanaSignature(req: SolanaTransactionRequest, signature: Uint8Array): string {
  const tx = getTransactionDecoder().decode(base64ToBytes(req.tx));
  if (!Object.hasOwn(tx.signatures, req.signer)) reject(`${req.signer} has no signature slot in the transaction`, 'solana.requestInvalid');
  const signed = { ...tx, signatures: { ...tx.signatures, [req.signer]: signature as SignatureBytes } };
  return bytesToBase64(new Uint8Array(getTransactionEncoder().encode(signed)));
}
