/**
 * What a signing session carries: the thing to be signed, never a bare hash.
 *
 * The initiator sends a {@link SigningRequest}; every co-signer parses it
 * strictly, computes the digest itself with {@link digestOf} and refuses when
 * the digest it is asked to sign is not the one it computed. Supported
 * payloads: EIP-1559 and legacy (EIP-155) transactions, `personal_sign`
 * messages (EIP-191) and EIP-712 typed data (v4, v3 and the legacy v1), hashed
 * as MetaMask hashes them (./typed-data.ts, checked against @metamask/eth-sig-util).
 *
 * When: the signed `sign-request` message that carries a request on the
 * paired channel (src/session/ceremonies.ts) also carries its creation time
 * and its expiry (the requester's co-signer wait), both covered by the
 * requester's signature; {@link checkRequestTimes} is what every co-signer
 * applies before showing a request to anyone, so a request read from the
 * channel's backlog after its requester stopped waiting is never approvable.
 */
import { Interface, Transaction, getAddress, hashMessage, hexlify, isHexString, toUtf8String, formatEther } from 'ethers';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isPlainObject } from '../tss/wire.js';
import { TandemError } from '../errors/index.js';
import { eip712Digest, TypedDataError, typedDataV1Digest, type TypedDataV1Entry } from './typed-data.js';

export const SIGNING_REQUEST_VERSION = 1;

/** Largest payload a co-signer accepts (a transaction's calldata or a message). */
export const MAX_PAYLOAD_BYTES = 128 * 1024;

interface RequestBase {
  v: number;
  /** The chain the signature is for (EIP-155 chain id). */
  chainId: number;
  /** Non-hardened BIP32 derivation path below the vault's root key, e.g. [0, 0]. */
  path: number[];
}

/** An unsigned transaction, as ethers' `unsignedSerialized` (EIP-2718 typed or legacy RLP). */
export interface TransactionRequest extends RequestBase {
  kind: 'transaction';
  tx: string;
}

/** A `personal_sign` message: the raw bytes, hex. */
export interface PersonalMessageRequest extends RequestBase {
  kind: 'personal_sign';
  message: string;
}

/** An `eth_signTypedData_v4` payload (`version: 'v3'` for `eth_signTypedData_v3`; absent means v4). */
export interface TypedDataRequest extends RequestBase {
  kind: 'typed_data';
  typedData: TypedDataPayload;
  version?: 'v3';
}

/** A legacy `eth_signTypedData` (v1) payload: a list of typed values. */
export interface TypedDataV1Request extends RequestBase {
  kind: 'typed_data_v1';
  typedData: TypedDataV1Entry[];
}

export interface TypedDataPayload {
  types: Record<string, Array<{ name: string; type: string }>>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
}

export type SigningRequest = TransactionRequest | PersonalMessageRequest | TypedDataRequest | TypedDataV1Request;

/** A request a co-signer will not sign, with the reason shown to its user. */
export class SigningRequestRejected extends TandemError {
  override name = 'SigningRequestRejected';
  /** `code`: `signing.badRequest` (a malformed request) unless a narrower reason is given (e.g. a policy's `policy.chain`). */
  constructor(reason: string, opts: { code?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    const { code = 'signing.badRequest', ...rest } = opts;
    super(code, reason, rest);
  }
}

const reject = (reason: string): never => {
  throw new SigningRequestRejected(reason);
};

function checkPath(path: unknown): number[] {
  if (!Array.isArray(path) || path.length > 8) reject('path must be an array of at most 8 indices');
  for (const i of path as unknown[]) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= 0x80000000) {
      reject('path indices must be non-hardened integers in [0, 2^31)');
    }
  }
  return [...(path as number[])];
}

function checkChainId(chainId: unknown): number {
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1) reject('chainId must be a positive integer');
  return chainId as number;
}

function checkHex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isHexString(value) || (value.length - 2) / 2 > MAX_PAYLOAD_BYTES) {
    reject(`${what} must be 0x-prefixed hex of at most ${MAX_PAYLOAD_BYTES} bytes`);
  }
  return (value as string).toLowerCase();
}

function checkTypedData(x: unknown): TypedDataPayload {
  if (!isPlainObject(x)) return reject('typedData must be an object');
  const { types, primaryType, domain, message } = x as Record<string, unknown>;
  if (!isPlainObject(types) || !isPlainObject(domain) || !isPlainObject(message) || typeof primaryType !== 'string') {
    reject('typedData needs types, primaryType, domain and message');
  }
  if (JSON.stringify(x).length > MAX_PAYLOAD_BYTES) reject('typedData is too large');
  for (const [name, fields] of Object.entries(types as object)) {
    if (!Array.isArray(fields)) reject(`typedData.types.${name} must be an array`);
    for (const f of fields as unknown[]) {
      if (!isPlainObject(f) || typeof f.name !== 'string' || typeof f.type !== 'string')
        reject(`typedData.types.${name} has a malformed field`);
    }
  }
  if (!Object.hasOwn(types as object, primaryType as string)) reject(`typedData.primaryType ${String(primaryType)} is not in types`);
  return x as unknown as TypedDataPayload;
}

/** A typed-data domain's chain id (number, decimal or hex string), or -1n when it is none of these. */
function chainOf(x: unknown): bigint {
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x === 'string' && (/^[0-9]{1,78}$/.test(x) || /^0x[0-9a-fA-F]{1,64}$/.test(x))) return BigInt(x);
  return -1n;
}

function checkTypedDataV1(x: unknown): TypedDataV1Entry[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > 64) reject('v1 typedData must be a list of 1..64 entries');
  if (JSON.stringify(x).length > MAX_PAYLOAD_BYTES) reject('typedData is too large');
  return (x as unknown[]).map((e) => {
    if (
      !isPlainObject(e) ||
      Object.keys(e).sort().join(',') !== 'name,type,value' ||
      typeof e.name !== 'string' ||
      typeof e.type !== 'string'
    )
      return reject('every v1 typedData entry must be exactly { type, name, value }');
    return { type: e.type, name: e.name, value: e.value };
  });
}

/** Strictly parses a signing request received from another device. */
export function parseSigningRequest(x: unknown): SigningRequest {
  if (!isPlainObject(x)) return reject('signing request must be an object');
  if (x.v !== SIGNING_REQUEST_VERSION) reject(`unsupported signing request version ${String(x.v)}`);
  const chainId = checkChainId(x.chainId);
  const path = checkPath(x.path);
  const keys = Object.keys(x).sort().join(',');
  switch (x.kind) {
    case 'transaction': {
      if (keys !== 'chainId,kind,path,tx,v') reject('transaction request has unexpected fields');
      const tx = checkHex(x.tx, 'tx');
      const parsed = decodeUnsignedTransaction(tx);
      if (parsed.chainId !== BigInt(chainId)) reject(`transaction is for chain ${parsed.chainId}, request says ${chainId}`);
      return { v: SIGNING_REQUEST_VERSION, kind: 'transaction', chainId, path, tx };
    }
    case 'personal_sign': {
      if (keys !== 'chainId,kind,message,path,v') reject('personal_sign request has unexpected fields');
      return { v: SIGNING_REQUEST_VERSION, kind: 'personal_sign', chainId, path, message: checkHex(x.message, 'message') };
    }
    case 'typed_data': {
      if (keys !== 'chainId,kind,path,typedData,v' && !(keys === 'chainId,kind,path,typedData,v,version' && x.version === 'v3'))
        reject('typed_data request has unexpected fields');
      const typedData = checkTypedData(x.typedData);
      const domainChain = typedData.domain.chainId;
      if (domainChain !== undefined && chainOf(domainChain) !== BigInt(chainId)) {
        reject(`typed data domain is for chain ${String(domainChain)}, request says ${chainId}`);
      }
      return { v: SIGNING_REQUEST_VERSION, kind: 'typed_data', chainId, path, typedData, ...(x.version === 'v3' ? { version: 'v3' } : {}) };
    }
    case 'typed_data_v1': {
      if (keys !== 'chainId,kind,path,typedData,v') reject('typed_data_v1 request has unexpected fields');
      return { v: SIGNING_REQUEST_VERSION, kind: 'typed_data_v1', chainId, path, typedData: checkTypedDataV1(x.typedData) };
    }
    default:
      return reject(`unknown signing request kind ${String(x.kind)}`);
  }
}

/** Decodes an unsigned transaction; refuses signed ones and legacy ones without EIP-155 replay protection. */
export function decodeUnsignedTransaction(hex: string): Transaction {
  let tx: Transaction;
  try {
    tx = Transaction.from(hex);
  } catch (e) {
    return reject(`transaction does not decode: ${e instanceof Error ? e.message.split(' (')[0] : String(e)}`);
  }
  if (tx.signature) reject('transaction is already signed');
  if (tx.type !== 0 && tx.type !== 2) reject(`transaction type ${String(tx.type)} is not supported (EIP-1559 or legacy only)`);
  if (tx.chainId === 0n) reject('legacy transaction without EIP-155 chain id');
  return tx;
}

/** The 32-byte digest the vault signs for this request, computed from the payload itself. */
export function digestOf(req: SigningRequest): Uint8Array {
  switch (req.kind) {
    case 'transaction':
      return hexToBytes(decodeUnsignedTransaction(req.tx).unsignedHash.slice(2));
    case 'personal_sign':
      return hexToBytes(hashMessage(hexToBytes(req.message.slice(2))).slice(2));
    case 'typed_data':
    case 'typed_data_v1':
      try {
        return req.kind === 'typed_data' ? eip712Digest(req.typedData, req.version ?? 'v4') : typedDataV1Digest(req.typedData);
      } catch (e) {
        if (e instanceof TypedDataError) return reject(`typed data does not encode: ${e.message}`);
        throw e;
      }
  }
}

/** Refuses unless `claimed` is exactly the digest of `req` (a co-signer never signs a hash it did not compute). */
export function checkDigest(req: SigningRequest, claimed: Uint8Array): Uint8Array {
  const own = digestOf(req);
  if (bytesToHex(own) !== bytesToHex(claimed)) {
    reject(`the digest to sign (${bytesToHex(claimed)}) does not match the request (${bytesToHex(own)}): refusing`);
  }
  return own;
}

// ---------------------------------------------------------------- when a request is valid

/** How far a request's creation time may be ahead of this device's clock (clock skew between devices). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** The longest a request may stay valid (the extension's co-signer wait is at most 10 minutes). */
export const MAX_REQUEST_LIFETIME_MS = 60 * 60_000;

/** When a request was made and until when its requester waits for co-signers (ms since 1970, the requester's clock). */
export interface RequestTimes {
  created: number;
  expires: number;
}

/** The request's requester stopped waiting before this device saw it (or before its user decided). */
export class SigningRequestExpired extends SigningRequestRejected {
  constructor(
    reason: string,
    /** How long ago it expired (ms, by this device's clock). */
    readonly expiredForMs: number,
  ) {
    super(reason);
  }
}

/** The times a requester puts on a new request: now, and the end of its co-signer wait. */
export function requestTimes(now: number, waitMs: number): RequestTimes {
  if (!Number.isSafeInteger(now) || now <= 0) throw new RangeError('now must be a positive integer of milliseconds');
  if (!Number.isSafeInteger(waitMs) || waitMs <= 0 || waitMs > MAX_REQUEST_LIFETIME_MS) {
    throw new RangeError(`the co-signer wait must be 1 ms .. ${MAX_REQUEST_LIFETIME_MS / 60_000} minutes`);
  }
  return { created: now, expires: now + waitMs };
}

function seconds(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * Reads and checks the `created` / `expires` fields of a signed request
 * message against this device's clock `now`. Refuses (with
 * {@link SigningRequestRejected}) a message without them (an older Tandem on
 * the requesting device), malformed times, a lifetime above
 * {@link MAX_REQUEST_LIFETIME_MS}, and a creation time more than
 * {@link MAX_CLOCK_SKEW_MS} in the future; refuses an expired request with
 * {@link SigningRequestExpired}.
 */
export function checkRequestTimes(message: Record<string, unknown>, now: number): RequestTimes {
  const { created, expires } = message;
  if (created === undefined && expires === undefined) {
    reject(
      'the request carries no creation time or expiry (the requesting device runs an older Tandem): this device cannot tell whether it is still wanted; update Tandem on the requesting device and ask again',
    );
  }
  if (typeof created !== 'number' || !Number.isSafeInteger(created) || created <= 0)
    reject("the request's creation time is not a positive integer of milliseconds");
  if (typeof expires !== 'number' || !Number.isSafeInteger(expires) || expires <= 0)
    reject("the request's expiry is not a positive integer of milliseconds");
  const c = created as number;
  const e = expires as number;
  if (e <= c) reject('the request expires before it was made');
  if (e - c > MAX_REQUEST_LIFETIME_MS)
    reject(
      `the request asks to stay valid ${seconds(e - c)}, more than the ${MAX_REQUEST_LIFETIME_MS / 60_000} minutes a co-signer accepts`,
    );
  if (c - now > MAX_CLOCK_SKEW_MS) {
    reject(`the request was made ${seconds(c - now)} in the future by this device's clock: check the date and time on both devices`);
  }
  if (now > e) {
    throw new SigningRequestExpired(
      `the request expired ${seconds(now - e)} ago (the requesting device stopped waiting for co-signers); ask again from the requesting device`,
      now - e,
    );
  }
  return { created: c, expires: e };
}

const erc20 = new Interface([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amount)',
]);
const MAX_UINT256 = (1n << 256n) - 1n;

/** What a transaction means, for an approval screen or a policy. */
export interface TransactionSummary {
  chainId: number;
  to: string | null;
  valueWei: bigint;
  nonce: number;
  gasLimit: bigint;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  gasPrice: bigint | null;
  data: string;
  /** Known calldata decoded, e.g. an ERC-20 transfer or approval. */
  call?: { method: 'transfer' | 'approve' | 'transferFrom'; token: string; to: string; amount: bigint; unlimited: boolean };
}

export function summarizeTransaction(hex: string): TransactionSummary {
  const tx = decodeUnsignedTransaction(hex);
  const summary: TransactionSummary = {
    chainId: Number(tx.chainId),
    to: tx.to ? getAddress(tx.to) : null,
    valueWei: tx.value,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    gasPrice: tx.type === 0 ? tx.gasPrice : null,
    data: tx.data,
  };
  if (tx.to && tx.data.length >= 10) {
    try {
      const parsed = erc20.parseTransaction({ data: tx.data });
      if (parsed) {
        const method = parsed.name as 'transfer' | 'approve' | 'transferFrom';
        const to = getAddress(method === 'transferFrom' ? parsed.args[1] : parsed.args[0]);
        const amount = BigInt(parsed.args[method === 'transferFrom' ? 2 : 1]);
        summary.call = { method, token: getAddress(tx.to), to, amount, unlimited: method === 'approve' && amount >= MAX_UINT256 / 2n };
      }
    } catch {
      // Unknown calldata: shown raw.
    }
  }
  return summary;
}

/** Human-readable lines describing a request (terminal co-signer, logs of the user's own device). */
export function describeRequest(req: SigningRequest): string[] {
  const lines = [`chain ${req.chainId}, key path m/${req.path.join('/')}`];
  switch (req.kind) {
    case 'transaction': {
      const s = summarizeTransaction(req.tx);
      lines.push(`send ${formatEther(s.valueWei)} ETH to ${s.to ?? '(contract creation)'}`, `nonce ${s.nonce}, gas limit ${s.gasLimit}`);
      if (s.maxFeePerGas !== null) lines.push(`max fee ${s.maxFeePerGas} wei/gas, priority fee ${s.maxPriorityFeePerGas} wei/gas`);
      if (s.gasPrice !== null) lines.push(`gas price ${s.gasPrice} wei/gas`);
      if (s.call) {
        lines.push(
          s.call.unlimited
            ? `UNLIMITED approval of token ${s.call.token} to ${s.call.to}`
            : `token ${s.call.token}: ${s.call.method} ${s.call.amount} (base units) to ${s.call.to}`,
        );
      } else if (s.data !== '0x')
        lines.push(`calldata ${s.data.length / 2 - 1} bytes: ${s.data.slice(0, 74)}${s.data.length > 74 ? '…' : ''}`);
      break;
    }
    case 'personal_sign': {
      const bytes = hexToBytes(req.message.slice(2));
      let text: string;
      try {
        text = toUtf8String(bytes);
      } catch {
        text = hexlify(bytes);
      }
      lines.push(`sign message: ${text}`);
      break;
    }
    case 'typed_data': {
      const d = req.typedData.domain;
      lines.push(
        `sign typed data ${req.typedData.primaryType} for ${String(d.name ?? '?')} (verifying contract ${String(d.verifyingContract ?? 'none')})`,
      );
      lines.push(JSON.stringify(req.typedData.message, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
      break;
    }
    case 'typed_data_v1':
      lines.push('sign legacy typed data (v1):');
      for (const e of req.typedData) lines.push(`  ${e.type} ${e.name} = ${JSON.stringify(e.value)}`);
      break;
  }
  return lines;
}
