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
 * When a request is still valid is checked by ./request-times.ts; what it
 * means, for a person or a policy, is told by ./describe-request.ts.
 */
import { Transaction, getAddress, hashMessage, isHexString } from 'ethers';
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
  /**
   * The address the requester expects `path` to give (EIP-55), sent for a
   * derived account (docs/accounts.md): a co-signer derives the path itself
   * and refuses another address (`signing.accountMismatch`).
   */
  account?: string;
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

/** Refuses with code `signing.badRequest`; `details` name the field and the rule broken (what tests and code match on). */
const reject = (reason: string, field: string, check: string, more: Record<string, unknown> = {}): never => {
  throw new SigningRequestRejected(reason, { details: { field, check, ...more } });
};

function checkPath(path: unknown): number[] {
  if (!Array.isArray(path) || path.length > 8) reject('path must be an array of at most 8 indices', 'path', 'list');
  for (const i of path as unknown[]) {
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= 0x80000000) {
      reject('path indices must be non-hardened integers in [0, 2^31)', 'path', 'index');
    }
  }
  return [...(path as number[])];
}

function checkAccountField(x: unknown): string | undefined {
  if (x === undefined) return undefined;
  if (typeof x !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(x))
    return reject('account must be a 0x-prefixed 20-byte address', 'account', 'address');
  try {
    // Mixed case must be a valid EIP-55 checksum (all lower or all upper case carries none).
    return getAddress(x);
  } catch {
    return reject('account has a wrong EIP-55 checksum', 'account', 'checksum');
  }
}

function checkChainId(chainId: unknown): number {
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId < 1)
    reject('chainId must be a positive integer', 'chainId', 'integer');
  return chainId as number;
}

function checkHex(value: unknown, what: string): string {
  if (typeof value !== 'string' || !isHexString(value) || (value.length - 2) / 2 > MAX_PAYLOAD_BYTES) {
    reject(`${what} must be 0x-prefixed hex of at most ${MAX_PAYLOAD_BYTES} bytes`, what, 'hex');
  }
  return (value as string).toLowerCase();
}

function checkTypedData(x: unknown): TypedDataPayload {
  if (!isPlainObject(x)) return reject('typedData must be an object', 'typedData', 'object');
  const { types, primaryType, domain, message } = x as Record<string, unknown>;
  if (!isPlainObject(types) || !isPlainObject(domain) || !isPlainObject(message) || typeof primaryType !== 'string') {
    reject('typedData needs types, primaryType, domain and message', 'typedData', 'parts');
  }
  if (JSON.stringify(x).length > MAX_PAYLOAD_BYTES) reject('typedData is too large', 'typedData', 'size');
  for (const [name, fields] of Object.entries(types as object)) {
    if (!Array.isArray(fields)) reject(`typedData.types.${name} must be an array`, 'typedData', 'types');
    for (const f of fields as unknown[]) {
      if (!isPlainObject(f) || typeof f.name !== 'string' || typeof f.type !== 'string')
        reject(`typedData.types.${name} has a malformed field`, 'typedData', 'types');
    }
  }
  if (!Object.hasOwn(types as object, primaryType as string))
    reject(`typedData.primaryType ${String(primaryType)} is not in types`, 'typedData', 'primaryType');
  return x as unknown as TypedDataPayload;
}

/** A typed-data domain's chain id (number, decimal or hex string), or -1n when it is none of these. */
function chainOf(x: unknown): bigint {
  if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x === 'string' && (/^[0-9]{1,78}$/.test(x) || /^0x[0-9a-fA-F]{1,64}$/.test(x))) return BigInt(x);
  return -1n;
}

function checkTypedDataV1(x: unknown): TypedDataV1Entry[] {
  if (!Array.isArray(x) || x.length === 0 || x.length > 64) reject('v1 typedData must be a list of 1..64 entries', 'typedData', 'list');
  if (JSON.stringify(x).length > MAX_PAYLOAD_BYTES) reject('typedData is too large', 'typedData', 'size');
  return (x as unknown[]).map((e) => {
    if (
      !isPlainObject(e) ||
      Object.keys(e).sort().join(',') !== 'name,type,value' ||
      typeof e.name !== 'string' ||
      typeof e.type !== 'string'
    )
      return reject('every v1 typedData entry must be exactly { type, name, value }', 'typedData', 'entry');
    return { type: e.type, name: e.name, value: e.value };
  });
}

/** Strictly parses a signing request received from another device. */
export function parseSigningRequest(x: unknown): SigningRequest {
  if (!isPlainObject(x)) return reject('signing request must be an object', 'request', 'object');
  if (x.v !== SIGNING_REQUEST_VERSION) reject(`unsupported signing request version ${String(x.v)}`, 'v', 'version');
  const chainId = checkChainId(x.chainId);
  const path = checkPath(x.path);
  const account = checkAccountField(x.account);
  const named = account ? { account } : {};
  const keys = Object.keys(x)
    .filter((k) => k !== 'account')
    .sort()
    .join(',');
  switch (x.kind) {
    case 'transaction': {
      if (keys !== 'chainId,kind,path,tx,v') reject('transaction request has unexpected fields', 'request', 'fields');
      const tx = checkHex(x.tx, 'tx');
      const parsed = decodeUnsignedTransaction(tx);
      if (parsed.chainId !== BigInt(chainId))
        reject(`transaction is for chain ${parsed.chainId}, request says ${chainId}`, 'tx', 'chain', {
          txChainId: String(parsed.chainId),
          chainId,
        });
      return { v: SIGNING_REQUEST_VERSION, kind: 'transaction', chainId, path, ...named, tx };
    }
    case 'personal_sign': {
      if (keys !== 'chainId,kind,message,path,v') reject('personal_sign request has unexpected fields', 'request', 'fields');
      return { v: SIGNING_REQUEST_VERSION, kind: 'personal_sign', chainId, path, ...named, message: checkHex(x.message, 'message') };
    }
    case 'typed_data': {
      if (keys !== 'chainId,kind,path,typedData,v' && !(keys === 'chainId,kind,path,typedData,v,version' && x.version === 'v3'))
        reject('typed_data request has unexpected fields', 'request', 'fields');
      const typedData = checkTypedData(x.typedData);
      const domainChain = typedData.domain.chainId;
      if (domainChain !== undefined && chainOf(domainChain) !== BigInt(chainId)) {
        reject(`typed data domain is for chain ${String(domainChain)}, request says ${chainId}`, 'typedData', 'chain', {
          domainChainId: String(domainChain),
          chainId,
        });
      }
      return {
        v: SIGNING_REQUEST_VERSION,
        kind: 'typed_data',
        chainId,
        path,
        ...named,
        typedData,
        ...(x.version === 'v3' ? { version: 'v3' } : {}),
      };
    }
    case 'typed_data_v1': {
      if (keys !== 'chainId,kind,path,typedData,v') reject('typed_data_v1 request has unexpected fields', 'request', 'fields');
      return { v: SIGNING_REQUEST_VERSION, kind: 'typed_data_v1', chainId, path, ...named, typedData: checkTypedDataV1(x.typedData) };
    }
    default:
      return reject(`unknown signing request kind ${String(x.kind)}`, 'kind', 'unknown');
  }
}

/** Decodes an unsigned transaction; refuses signed ones and legacy ones without EIP-155 replay protection. */
export function decodeUnsignedTransaction(hex: string): Transaction {
  let tx: Transaction;
  try {
    tx = Transaction.from(hex);
  } catch (e) {
    return reject(`transaction does not decode: ${e instanceof Error ? e.message.split(' (')[0] : String(e)}`, 'tx', 'decode');
  }
  if (tx.signature) reject('transaction is already signed', 'tx', 'signed');
  if (tx.type !== 0 && tx.type !== 2)
    reject(`transaction type ${String(tx.type)} is not supported (EIP-1559 or legacy only)`, 'tx', 'type');
  if (tx.chainId === 0n) reject('legacy transaction without EIP-155 chain id', 'tx', 'eip155');
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
        if (e instanceof TypedDataError) return reject(`typed data does not encode: ${e.message}`, 'typedData', 'encode');
        throw e;
      }
  }
}

/** Refuses unless `claimed` is exactly the digest of `req` (a co-signer never signs a hash it did not compute). */
export function checkDigest(req: SigningRequest, claimed: Uint8Array): Uint8Array {
  const own = digestOf(req);
  if (bytesToHex(own) !== bytesToHex(claimed)) {
    reject(`the digest to sign (${bytesToHex(claimed)}) does not match the request (${bytesToHex(own)}): refusing`, 'digest', 'match');
  }
  return own;
}
