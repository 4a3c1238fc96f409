/**
 * Re-sharing an EdDSA vault (`reshare/eddsa`): the generic re-share over
 * Ed25519, ending in a new FROST key-share record (epoch + 1) with the same
 * group public key. The new shares sign with `frost/sign` like DKG shares.
 */
import { UsageError, type PartyId } from '../errors.js';
import { FROST_SHARE_VERSION, checkFrostShare, type FrostKeyShare, type FrostPublicInfo } from '../frost/share.js';
import { ed25519Curve } from './curve.js';
import { ReshareProtocol, type ReshareCore } from './protocol.js';

export const RESHARE_EDDSA = 'reshare/eddsa';

export interface FrostReshareParams {
  /** Fresh random session id shared by all participants (≥ 16 bytes). */
  sid: Uint8Array;
  self: PartyId;
  /**
   * An old party passes its stored share; a device joining the vault passes
   * the vault's public info (from the device that invited it).
   */
  old: FrostKeyShare | FrostPublicInfo;
  /** The old devices taking part (dealing): at least t_old. */
  quorum: readonly PartyId[];
  newParties: readonly PartyId[];
  newThreshold: number;
}

function isShare(x: FrostKeyShare | FrostPublicInfo): x is FrostKeyShare {
  return (x as FrostKeyShare).secretShare instanceof Uint8Array;
}

export class FrostReshare extends ReshareProtocol<FrostKeyShare> {
  constructor(params: FrostReshareParams) {
    const { old } = params;
    let oldSecretShare: bigint | undefined;
    if (isShare(old)) {
      checkFrostShare(old);
      if (old.self !== params.self) throw new UsageError(`${RESHARE_EDDSA}: the share belongs to party ${old.self}, not ${params.self}`);
      if (params.quorum.includes(params.self)) oldSecretShare = ed25519Curve.decodeScalar(old.secretShare);
    }
    super(RESHARE_EDDSA, ed25519Curve, {
      sid: params.sid,
      self: params.self,
      publicKey: old.groupPublicKey,
      oldEpoch: old.epoch,
      oldThreshold: old.t,
      oldParties: old.parties,
      oldPublicShares: old.verifyingShares,
      quorum: params.quorum,
      newThreshold: params.newThreshold,
      newParties: params.newParties,
      ...(oldSecretShare !== undefined && { oldSecretShare }),
    });
  }

  protected build(core: ReshareCore): FrostKeyShare {
    const share: FrostKeyShare = {
      version: FROST_SHARE_VERSION,
      curve: 'ed25519',
      protocol: 'frost',
      epoch: core.epoch,
      t: core.t,
      n: core.parties.length,
      self: core.self,
      parties: core.parties,
      secretShare: ed25519Curve.encodeScalar(core.secretShare),
      groupPublicKey: core.publicKey,
      verifyingShares: core.publicShares,
    };
    checkFrostShare(share);
    return share;
  }
}
