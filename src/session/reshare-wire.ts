/**
 * The old generation's public information as a re-share roster carries it
 * (hex), and its strict reader: every new device checks its dealers against it.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import type { FrostPublicInfo } from '../tss/frost/share.js';
import type { EcdsaPublicInfo } from '../tss/reshare/ecdsa.js';
import { isPlainObject } from '../tss/wire.js';
import { hexParam, intParam } from './ceremony-common.js';

/** The public part every vault key has, as the roster carries it (hex). */
interface GenerationWire {
  epoch: number;
  t: number;
  parties: number[];
  key: string;
  shares: Record<string, string>;
}

function generationToWire(
  epoch: number,
  t: number,
  parties: readonly PartyId[],
  key: Uint8Array,
  shares: ReadonlyMap<PartyId, Uint8Array>,
): GenerationWire {
  return {
    epoch,
    t,
    parties: [...parties],
    key: bytesToHex(key),
    shares: Object.fromEntries([...shares].map(([p, x]) => [String(p), bytesToHex(x)])),
  };
}

function generationFromWire(x: unknown, what: string, pointBytes: number) {
  if (!isPlainObject(x)) throw new Error(`re-share parameters: missing ${what} info`);
  const { parties, shares } = x;
  if (!Array.isArray(parties) || !parties.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 0xffff)) {
    throw new Error(`re-share parameters: bad ${what} parties`);
  }
  if (!isPlainObject(shares)) throw new Error(`re-share parameters: bad ${what} public shares`);
  const publicShares = new Map<PartyId, Uint8Array>(
    Object.entries(shares).map(([k, v]) => {
      if (!/^[1-9][0-9]{0,4}$/.test(k) || typeof v !== 'string' || v.length !== pointBytes * 2)
        throw new Error(`re-share parameters: bad ${what} public share`);
      return [Number(k), hexToBytes(v)];
    }),
  );
  return {
    epoch: intParam(x, 'epoch', 0, 1e9),
    t: intParam(x, 't', 2, 16),
    parties: parties as number[],
    key: hexParam(x, 'key', pointBytes),
    publicShares,
  };
}

export function ecdsaInfoToWire(i: EcdsaPublicInfo): Record<string, unknown> {
  return { ...generationToWire(i.epoch, i.t, i.parties, i.publicKey, i.publicShares), chainCode: bytesToHex(i.chainCode) };
}

export function frostInfoToWire(i: FrostPublicInfo): Record<string, unknown> {
  return { ...generationToWire(i.epoch, i.t, i.parties, i.groupPublicKey, i.verifyingShares) };
}

export function ecdsaInfoFromWire(x: unknown): EcdsaPublicInfo {
  const g = generationFromWire(x, 'ECDSA', 33);
  return {
    epoch: g.epoch,
    t: g.t,
    parties: g.parties,
    publicKey: g.key,
    publicShares: g.publicShares,
    chainCode: hexParam(x as Record<string, unknown>, 'chainCode', 32),
  };
}

export function frostInfoFromWire(x: unknown): FrostPublicInfo {
  const g = generationFromWire(x, 'EdDSA', 32);
  return { epoch: g.epoch, t: g.t, parties: g.parties, groupPublicKey: g.key, verifyingShares: g.publicShares };
}
