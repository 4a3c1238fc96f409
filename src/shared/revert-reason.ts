/**
 * Why a call reverted, from its revert data (the bytes a failing call
 * returns): Solidity's `Error(string)` (0x08c379a0) and `Panic(uint256)`
 * (0x4e487b71) decoded with ethers' ABI coder, any other 4-byte selector
 * shown as a custom error with its raw data, no data as "reverted without a
 * reason". Pure: the extension, the CLI co-signer and the phone decode alike.
 *
 * Also finds the revert data in a JSON-RPC error, wherever the node put it
 * (geth and Anvil: `error.data` as hex with code 3; Hardhat: `error.data.data`).
 */
import { AbiCoder, dataLength, isHexString } from 'ethers';

export const ERROR_SELECTOR = '0x08c379a0';
export const PANIC_SELECTOR = '0x4e487b71';

/** Solidity's panic codes (docs: "Panic via assert and Error via require"). */
export const PANIC_CODES: Readonly<Record<number, string>> = {
  0: 'generic compiler panic',
  1: 'assertion failed',
  17: 'arithmetic overflow or underflow',
  18: 'division or modulo by zero',
  33: 'conversion to an invalid enum value',
  34: 'incorrectly encoded storage byte array',
  49: 'pop() on an empty array',
  50: 'array index out of bounds',
  65: 'too much memory allocated or an array too large',
  81: 'call to an uninitialized internal function',
};

/** A revert, decoded. */
export type RevertReason =
  | { kind: 'error'; message: string }
  | { kind: 'panic'; code: string; meaning: string }
  | { kind: 'custom'; selector: string; data: string }
  | { kind: 'empty' }
  /** Not ABI-encoded as its selector says, or shorter than a selector. */
  | { kind: 'malformed'; data: string };

/** Longest reason string shown (a contract's text is untrusted: it is cut, and control characters dropped). */
const MAX_MESSAGE = 200;
/** Longest raw data shown, in hex digits. */
const MAX_HEX = 136;

const coder = AbiCoder.defaultAbiCoder();

/** Decodes revert data (0x-prefixed hex); '0x' is a revert without a reason. */
export function decodeRevert(data: string): RevertReason {
  if (!isHexString(data) || data.length % 2 !== 0) return { kind: 'malformed', data: String(data).slice(0, MAX_HEX) };
  const hex = data.toLowerCase();
  if (hex === '0x') return { kind: 'empty' };
  if (dataLength(hex) < 4) return { kind: 'malformed', data: hex };
  const selector = hex.slice(0, 10);
  const args = `0x${hex.slice(10)}`;
  if (selector === ERROR_SELECTOR) {
    try {
      const [message] = coder.decode(['string'], args);
      return { kind: 'error', message: cleanText(String(message)) };
    } catch {
      return { kind: 'malformed', data: hex };
    }
  }
  if (selector === PANIC_SELECTOR) {
    try {
      const [code] = coder.decode(['uint256'], args) as unknown as [bigint];
      const known = code <= 0xffn ? PANIC_CODES[Number(code)] : undefined;
      return { kind: 'panic', code: `0x${code.toString(16).padStart(2, '0')}`, meaning: known ?? 'unknown panic code' };
    } catch {
      return { kind: 'malformed', data: hex };
    }
  }
  return { kind: 'custom', selector, data: args };
}

/** One line for people, e.g. `"Insufficient balance"`, `panic 0x12: division or modulo by zero`. */
export function describeRevert(r: RevertReason): string {
  switch (r.kind) {
    case 'error':
      return `"${r.message}"`;
    case 'panic':
      return `panic ${r.code}: ${r.meaning}`;
    case 'custom':
      return r.data === '0x' ? `custom error ${r.selector}` : `custom error ${r.selector} with data ${shortHex(r.data)}`;
    case 'empty':
      return 'reverted without a reason';
    case 'malformed':
      return `reverted with undecodable data ${shortHex(r.data)}`;
  }
}

/**
 * The revert data in an error thrown by a JSON-RPC call (a plain
 * `{ code, message, data }`, ethers' wrapped errors, our ProviderRpcError):
 * hex found at `data`, `data.data`, `error.data` or `info.error.data`; null
 * when there is none.
 */
export function revertDataOf(e: unknown): string | null {
  const seen = new Set<unknown>();
  const visit = (x: unknown, depth: number): string | null => {
    if (depth > 4 || x === null || typeof x !== 'object' || seen.has(x)) return null;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (typeof o.data === 'string' && isHexString(o.data)) return o.data;
    for (const k of ['data', 'error', 'info', 'cause']) {
      const found = visit(o[k], depth + 1);
      if (found !== null) return found;
    }
    return null;
  };
  return visit(e, 0);
}

function shortHex(hex: string): string {
  return hex.length > MAX_HEX ? `${hex.slice(0, MAX_HEX)}… (${(hex.length - 2) / 2} bytes)` : hex;
}

/** Control and bidirectional-override characters removed, cut to a readable length. */
function cleanText(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}
