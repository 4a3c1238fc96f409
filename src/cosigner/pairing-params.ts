/**
 * What a ceremony's pairing payload carries beside the relay, session id and
 * key (see src/session/pairing.ts): the initiator's identity key, which every
 * joining device checks the signed roster against, and what the joining
 * device needs to know before it joins.
 *
 *   keygen:  { init, t, n, name }
 *   reshare: { init, pk, newT, name }   pk = the vault's compressed ECDSA key, hex
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { vaultId, type DeviceVault } from '../session/device-vault.js';
import type { PairingParam, PairingPayload } from '../session/pairing.js';
import { TandemError } from '../errors/index.js';

export interface KeygenParams {
  init: string;
  t: number;
  n: number;
  name: string;
}

export interface ReshareParams {
  init: string;
  pk: string;
  newT: number;
  name: string;
}

/** A pairing payload's parameter is missing or malformed; `field` names it. */
export class PairingParamError extends TandemError<'pairing.badParams'> {
  override name = 'PairingParamError';
  constructor(field: string, message: string) {
    super('pairing.badParams', `pairing: ${message}`, { details: { field } });
  }
}

const hex = (x: unknown, bytes: number, what: string): string => {
  if (typeof x !== 'string' || !new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(x))
    throw new PairingParamError(what, `${what} must be ${bytes} bytes of hex`);
  return x;
};
const int = (x: unknown, what: string): number => {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 16)
    throw new PairingParamError(what, `${what} must be an integer 1..16`);
  return x;
};
const name = (x: unknown): string => (typeof x === 'string' ? x.slice(0, 64) : 'Vault');

export function keygenParams(p: KeygenParams): Record<string, PairingParam> {
  return { init: p.init, t: p.t, n: p.n, name: p.name };
}

export function reshareParams(p: ReshareParams): Record<string, PairingParam> {
  return { init: p.init, pk: p.pk, newT: p.newT, name: p.name };
}

/** The keygen parameters of a pairing payload (throws naming the bad field). */
export function readKeygenParams(p: PairingPayload): KeygenParams {
  if (p.kind !== 'keygen') throw new PairingParamError('kind', `expected a key generation pairing, got ${p.kind}`);
  return { init: hex(p.params.init, 32, 'init'), t: int(p.params.t, 't'), n: int(p.params.n, 'n'), name: name(p.params.name) };
}

/** The re-share parameters of a pairing payload (throws naming the bad field). */
export function readReshareParams(p: PairingPayload): ReshareParams {
  if (p.kind !== 'reshare') throw new PairingParamError('kind', `expected a re-share pairing, got ${p.kind}`);
  return {
    init: hex(p.params.init, 32, 'init'),
    pk: hex(p.params.pk, 33, 'pk'),
    newT: int(p.params.newT, 'newT'),
    name: name(p.params.name),
  };
}

/** The id ({@link vaultId}) of the vault a re-share is for: under it an old device finds its share. */
export function reshareVaultId(p: ReshareParams): string {
  return vaultId({ ecdsa: { publicKey: hexToBytes(p.pk) } } as Pick<DeviceVault, 'ecdsa'>);
}
