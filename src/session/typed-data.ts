/**
 * EIP-712 typed-data hashing with MetaMask's acceptance: `eth_signTypedData_v4`,
 * `_v3` and the legacy v1 (`eth_signTypedData`), computed exactly as the
 * reference implementation `@metamask/eth-sig-util` (TypedDataUtils.eip712Hash,
 * typedSignatureHash) does: types that the primary type does not reach are
 * allowed, arrays and nested structs (v4), a struct field left out is a zero
 * word (v4) or skipped (v3), the domain is hashed with the EIP712Domain type as
 * the request declares it.
 *
 * eth-sig-util itself needs Node's Buffer and events in the browser (the
 * extension's service worker and the phone page have neither), so the devices
 * hash with this module, and `typed-data.test.ts` checks it against
 * eth-sig-util on the test-dapp's examples and on generated typed data.
 *
 * Values are read strictly where eth-sig-util would coerce something a user
 * cannot see (a non-hex address string read as decimal digits, "false" as
 * true, a number as the bytes of a string): such a request is refused before
 * anyone is asked to approve it. Pure: no DOM, no chrome.*, no network.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { solidityPacked } from 'ethers';
import { TandemError } from '../errors/index.js';

export type TypedFields = ReadonlyArray<{ name: string; type: string }>;
export type TypedTypes = Readonly<Record<string, TypedFields>>;
export type Eip712Version = 'v3' | 'v4';

/** A v1 (legacy) typed-data entry. */
export interface TypedDataV1Entry {
  type: string;
  name: string;
  value: unknown;
}

/** Typed data that cannot be hashed (the reason is shown to the user and the dApp). */
/** Typed data that cannot be hashed: code `typedData.invalid`, `details.check` the rule it breaks (e.g. `missing`, `struct`, `arrayV3`). */
export class TypedDataError extends TandemError<'typedData.invalid'> {
  override readonly name = 'TypedDataError';
  constructor(check: string, message: string) {
    super('typedData.invalid', message, { details: { check } });
  }
}

const fail = (check: string, why: string): never => {
  throw new TypedDataError(check, why);
};

const ZERO_WORD = new Uint8Array(32);
const TWO_256 = 1n << 256n;
const HEX = /^0x[0-9a-fA-F]*$/;

/** A 32-byte big-endian word of `n` modulo 2^256 (two's complement for negatives). */
function word(n: bigint): Uint8Array {
  const hex = (((n % TWO_256) + TWO_256) % TWO_256).toString(16).padStart(64, '0');
  return hexToBytes(hex);
}

function evenHex(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string' || !HEX.test(value) || value.length % 2 !== 0)
    return fail('bytes', `${what} must be 0x-prefixed hex bytes`);
  return hexToBytes(value.slice(2));
}

/** An integer as MetaMask reads it: a JS integer, a decimal string or a 0x hex string. */
function integer(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && (/^-?[0-9]+$/.test(value) || /^0x[0-9a-fA-F]+$/.test(value))) return BigInt(value);
  return fail('integer', `${what} must be an integer (a number, a decimal string or 0x hex)`);
}

/** The struct types `type` depends on (itself included), as eth-sig-util's findTypeDependencies. */
function dependencies(type: string, types: TypedTypes, found = new Set<string>()): Set<string> {
  const base = /^\w*/.exec(type)![0];
  if (found.has(base) || types[base] === undefined) return found;
  found.add(base);
  for (const f of types[base]!) dependencies(f.type, types, found);
  return found;
}

/** EIP-712 encodeType: the primary type, then its dependencies sorted by name. */
export function encodeType(primaryType: string, types: TypedTypes): string {
  const deps = dependencies(primaryType, types);
  deps.delete(primaryType);
  return [primaryType, ...[...deps].sort()]
    .map((t) => {
      const fields = types[t] ?? fail('type', `no type definition for ${t}`);
      return `${t}(${fields.map((f) => `${f.type} ${f.name}`).join(',')})`;
    })
    .join('');
}

/** One field's 32-byte encoding (EIP-712 encodeData, "Definition of encodeData"). */
function encodeField(types: TypedTypes, name: string, type: string, value: unknown, version: Eip712Version): Uint8Array {
  const what = `field ${name} (${type})`;
  if (types[type] !== undefined) {
    if (version === 'v4' && (value === null || value === undefined)) return ZERO_WORD;
    return keccak_256(encodeData(type, value, types, version));
  }
  if (type === 'function') return fail('function', `${what}: the function type is not allowed in EIP-712`);
  if (value === undefined) return fail('missing', `missing value for ${what}`);
  if (type.endsWith(']')) {
    if (version === 'v3') return fail('arrayV3', `${what}: arrays need eth_signTypedData_v4`);
    if (!Array.isArray(value)) return fail('array', `${what} must be an array`);
    const inner = type.slice(0, type.lastIndexOf('['));
    return keccak_256(concatBytes(...value.map((item) => encodeField(types, name, inner, item, version))));
  }
  if (type === 'address') {
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) return fail('address', `${what} must be a 0x address of 20 bytes`);
    return word(BigInt(value));
  }
  if (type === 'bool') return typeof value === 'boolean' ? word(value ? 1n : 0n) : fail('bool', `${what} must be true or false`);
  if (type === 'string') return typeof value === 'string' ? keccak_256(utf8ToBytes(value)) : fail('string', `${what} must be a string`);
  if (type === 'bytes') return keccak_256(evenHex(value, what));
  const fixed = /^bytes([0-9]+)$/.exec(type);
  if (fixed) {
    const size = Number(fixed[1]);
    if (size < 1 || size > 32) return fail('type', `${what}: unknown type`);
    const bytes = evenHex(value, what);
    if (bytes.length > size) return fail('bytes', `${what} has more than ${size} bytes`);
    const out = new Uint8Array(32);
    out.set(bytes);
    return out;
  }
  const int = /^(u?)int([0-9]*)$/.exec(type);
  if (int) {
    const bits = int[2] ? Number(int[2]) : 256;
    if (bits < 8 || bits > 256 || bits % 8 !== 0) return fail('type', `${what}: unknown type`);
    const n = integer(value, what);
    // As eth-sig-util: uintN must fit N bits; intN is checked against ±(2^N - 1).
    const max = (1n << BigInt(bits)) - 1n;
    if (int[1] ? n < 0n || n > max : n < -max || n > max) return fail('range', `${what}: ${n} is out of range`);
    return word(n);
  }
  return fail('type', `${what}: unknown type ${type}`);
}

/** EIP-712 encodeData of a struct: its type hash, then each field (v3 skips fields left out). */
export function encodeData(type: string, data: unknown, types: TypedTypes, version: Eip712Version): Uint8Array {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return fail('struct', `the value of struct ${type} must be an object`);
  const fields = types[type] ?? fail('type', `no type definition for ${type}`);
  const parts: Uint8Array[] = [keccak_256(utf8ToBytes(encodeType(type, types)))];
  for (const f of fields) {
    const value = Object.hasOwn(data, f.name) ? (data as Record<string, unknown>)[f.name] : undefined;
    if (version === 'v3' && value === undefined) continue;
    parts.push(encodeField(types, f.name, f.type, value, version));
  }
  return concatBytes(...parts);
}

/** hashStruct(s) = keccak256(encodeData(s)). */
export function hashStruct(type: string, data: unknown, types: TypedTypes, version: Eip712Version): Uint8Array {
  return keccak_256(encodeData(type, data, types, version));
}

/** The digest an eth_signTypedData_v3 / _v4 signature signs: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)). */
export function eip712Digest(
  typedData: { types: TypedTypes; primaryType: string; domain: object; message: object },
  version: Eip712Version,
): Uint8Array {
  const types: TypedTypes = { EIP712Domain: [], ...typedData.types };
  const domainHash = hashStruct('EIP712Domain', typedData.domain, { EIP712Domain: types.EIP712Domain! }, version);
  const parts: Uint8Array[] = [new Uint8Array([0x19, 0x01]), domainHash];
  if (typedData.primaryType !== 'EIP712Domain') parts.push(hashStruct(typedData.primaryType, typedData.message, types, version));
  return keccak_256(concatBytes(...parts));
}

/** Solidity types a v1 entry may have (eth-sig-util accepts more; these are what dApps send). */
const V1_TYPE =
  /^(string|bytes|bool|address|u?int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)?|bytes([1-9]|[12][0-9]|3[0-2]))$/;

/** The digest of legacy typed data (`eth_signTypedData`, v1): keccak256(keccak256(schema) ‖ keccak256(packed values)). */
export function typedDataV1Digest(entries: readonly TypedDataV1Entry[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length === 0) return fail('v1', 'v1 typed data must be a non-empty array');
  const types: string[] = [];
  const values: unknown[] = [];
  for (const e of entries) {
    if (typeof e.name !== 'string' || !e.name) fail('v1', 'every v1 entry needs a name');
    if (typeof e.type !== 'string' || !V1_TYPE.test(e.type)) fail('v1', `v1 entry ${e.name}: type ${String(e.type)} is not supported`);
    const what = `v1 entry ${e.name} (${e.type})`;
    if (e.type === 'string' && typeof e.value !== 'string') fail('string', `${what} must be a string`);
    if (e.type === 'bool' && typeof e.value !== 'boolean') fail('bool', `${what} must be true or false`);
    if (e.type === 'address' && (typeof e.value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(e.value)))
      fail('address', `${what} must be an address`);
    if (e.type.startsWith('bytes')) evenHex(e.value, what);
    types.push(e.type);
    values.push(/int/.test(e.type) ? integer(e.value, what) : e.type === 'address' ? (e.value as string).toLowerCase() : e.value);
  }
  let packed: string;
  try {
    packed = solidityPacked(types, values);
  } catch (e) {
    return fail('v1', `v1 typed data does not encode: ${e instanceof Error ? e.message.split(' (')[0] : String(e)}`);
  }
  const schema = keccak_256(utf8ToBytes(entries.map((e) => `${e.type} ${e.name}`).join('')));
  return keccak_256(concatBytes(schema, keccak_256(hexToBytes(packed.slice(2)))));
}
