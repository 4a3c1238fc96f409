/**
 * Re-sharing an ECDSA vault (`reshare/ecdsa`): the generic re-share over
 * secp256k1, plus what a DKLs23 key share needs besides the Shamir share
 * (ePrint 2023/765 §5; docs/protocols.md "Re-sharing", steps 4–5):
 *
 * R3 (+ generic checks)  each new party j → new party m: `ot` = OT pair
 *                        set-up msg1 if j initiates the pair {j, m}
 *                        (src/tss/dkls/ot-pairs.ts), else empty; and j's half
 *                        of the pair's zero-share seed.
 * ext 1                  j → m: `ot` = pair set-up msg2 answering m's msg1 if
 *                        m initiated, else empty; the initiator finishes the
 *                        pair set-up on it.
 * confirm                as in the generic protocol, with a digest of the
 *                        chain code folded in.
 *
 * Fresh OT material and zero-share seeds for every pair of new parties, never
 * carried over: ONE pair set-up per unordered pair (src/tss/ot/pair-setup.ts)
 * gives both directions' material. An `ot` field must be exactly empty where
 * none is expected (strict parsing, aborts naming the sender). The chain code is carried over unchanged (it is bound into
 * the session id, so devices holding different chain codes stop in round 1),
 * so BIP32 child keys and addresses stay the same.
 */
import { UsageError, type PartyId } from '../errors.js';
import { pairInitiator, pairSeed, pairSetupContext } from '../dkls/ot-pairs.js';
import {
  otPairSetupFinish,
  otPairSetupRespond,
  otPairSetupStart,
  type OtReceiverMaterial,
  type OtSenderMaterial,
  type PairContext,
  type PairSetupState,
} from '../ot/index.js';
import type { WireBody } from '../protocol.js';
import { KEY_SHARE_VERSION, checkKeyShare, type KeyShare } from '../share.js';
import { hashTranscript } from '../transcript.js';
import { readHex, toHex } from '../wire.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { secp256k1Curve } from './curve.js';
import { ReshareProtocol, type ReshareCore } from './protocol.js';

/** Protocol id on the wire; /v2 since the OT hashing of its fresh OT set-up changed. */
export const RESHARE_ECDSA = 'reshare/ecdsa/v2';

/** The public part of an ECDSA vault, as a device joining it needs it. */
export interface EcdsaPublicInfo {
  epoch: number;
  t: number;
  parties: readonly PartyId[];
  publicKey: Uint8Array;
  publicShares: ReadonlyMap<PartyId, Uint8Array>;
  chainCode: Uint8Array;
}

export function ecdsaPublicInfo(share: KeyShare): EcdsaPublicInfo {
  return {
    epoch: share.epoch,
    t: share.t,
    parties: [...share.parties],
    publicKey: share.publicKey.slice(),
    publicShares: new Map([...share.publicShares].map(([k, v]) => [k, v.slice()])),
    chainCode: share.chainCode.slice(),
  };
}

export interface EcdsaReshareParams {
  /** Fresh random session id shared by all participants (≥ 16 bytes). */
  sid: Uint8Array;
  self: PartyId;
  /** An old party passes its stored share; a joining device the vault's public info. */
  old: KeyShare | EcdsaPublicInfo;
  /** The old devices taking part (dealing): at least t_old. */
  quorum: readonly PartyId[];
  newParties: readonly PartyId[];
  newThreshold: number;
}

function isShare(x: KeyShare | EcdsaPublicInfo): x is KeyShare {
  return typeof (x as KeyShare).secretShare === 'bigint';
}

export class EcdsaReshare extends ReshareProtocol<KeyShare> {
  private readonly chainCode: Uint8Array;
  /** Pair set-ups self initiated, by peer (R3 to ext 1). */
  private readonly setups = new Map<PartyId, PairSetupState>();
  private readonly msg2Out = new Map<PartyId, Uint8Array>();
  private readonly otSender = new Map<PartyId, OtSenderMaterial>();
  private readonly otReceiver = new Map<PartyId, OtReceiverMaterial>();
  private readonly seedParts = new Map<PartyId, Uint8Array>();
  private readonly zeroSeeds = new Map<PartyId, Uint8Array>();

  constructor(params: EcdsaReshareParams) {
    const { old } = params;
    let oldSecretShare: bigint | undefined;
    if (isShare(old)) {
      checkKeyShare(old);
      if (old.self !== params.self) throw new UsageError(`${RESHARE_ECDSA}: the share belongs to party ${old.self}, not ${params.self}`);
      if (params.quorum.includes(params.self)) oldSecretShare = old.secretShare;
    }
    if (!(old.chainCode instanceof Uint8Array) || old.chainCode.length !== 32)
      throw new UsageError(`${RESHARE_ECDSA}: chain code must be 32 bytes`);
    super(RESHARE_ECDSA, secp256k1Curve, {
      sid: params.sid,
      self: params.self,
      publicKey: old.publicKey,
      oldEpoch: old.epoch,
      oldThreshold: old.t,
      oldParties: old.parties,
      oldPublicShares: old.publicShares,
      quorum: params.quorum,
      newThreshold: params.newThreshold,
      newParties: params.newParties,
      ...(oldSecretShare !== undefined && { oldSecretShare }),
      context: hashTranscript('reshare/ecdsa/chain-code', old.chainCode),
    });
    this.chainCode = old.chainCode.slice();
  }

  /** The OT pair set-up context of {self, peer} among the new parties: sender = its initiator. */
  private pair(peer: PartyId): PairContext {
    return pairSetupContext(hashTranscript('reshare/ecdsa/ot', this.sessionId), this.newParties, this.self, peer);
  }

  /** Whether self sends msg1 of its pair set-up with new peer `peer`. */
  private initiates(peer: PartyId): boolean {
    return pairInitiator(this.newParties, this.self, peer) === this.self;
  }

  protected override get extRounds(): number {
    return 1;
  }

  protected override extKeys(k: number): string[] {
    return k === 0 ? ['ot', 'zeroSeed'] : ['ot'];
  }

  /** R3: pair set-up msg1 if self initiates the pair with `to`, and our half of the zero-share seed; ext 1: msg2 if `to` initiated. */
  protected override extSend(k: number, to: PartyId): WireBody {
    if (k === 0) {
      let ot: Uint8Array = new Uint8Array(0);
      if (this.initiates(to)) {
        const { state, msg1 } = otPairSetupStart(this.pair(to));
        this.setups.set(to, state);
        ot = msg1;
      }
      const part = randomBytes(32);
      this.seedParts.set(to, part);
      return { ot: toHex(ot), zeroSeed: toHex(part) };
    }
    const msg2 = this.msg2Out.get(to) ?? new Uint8Array(0);
    this.msg2Out.delete(to);
    return { ot: toHex(msg2) };
  }

  protected override extReceive(k: number, from: PartyId, body: WireBody): void {
    if (k === 0) {
      if (this.initiates(from)) {
        readHex(body, 'ot', from, 'reshare.r3', 0);
      } else {
        // Length and encoding of msg1 are the OT layer's check (ProtocolAbort(from, 'ot.setup.msg1')).
        const { sender, receiver, msg2 } = otPairSetupRespond(this.pair(from), readHex(body, 'ot', from, 'reshare.r3.ot'));
        this.otSender.set(from, sender);
        this.otReceiver.set(from, receiver);
        this.msg2Out.set(from, msg2);
      }
      const theirs = readHex(body, 'zeroSeed', from, 'reshare.r3', 32);
      this.zeroSeeds.set(from, pairSeed('reshare/ecdsa/zero-seed', this.sessionId, this.self, from, this.seedParts.get(from)!, theirs));
      return;
    }
    if (!this.initiates(from)) {
      readHex(body, 'ot', from, 'reshare.ext1', 0);
      return;
    }
    // Length, encoding and the KOS check of msg2 are the OT layer's (ProtocolAbort(from, 'ot.setup.msg2' | 'ote.*')).
    const { sender, receiver } = otPairSetupFinish(this.setups.get(from)!, readHex(body, 'ot', from, 'reshare.ext1.ot'));
    this.otSender.set(from, sender);
    this.otReceiver.set(from, receiver);
    this.setups.delete(from);
  }

  protected override extConfirm(): Uint8Array {
    return hashTranscript('reshare/ecdsa/confirm-chain-code', this.chainCode);
  }

  protected build(core: ReshareCore): KeyShare {
    const share: KeyShare = {
      version: KEY_SHARE_VERSION,
      curve: 'secp256k1',
      protocol: 'dkls23',
      epoch: core.epoch,
      t: core.t,
      n: core.parties.length,
      self: core.self,
      parties: core.parties,
      secretShare: core.secretShare,
      publicKey: core.publicKey,
      publicShares: core.publicShares,
      chainCode: this.chainCode.slice(),
      zeroSeeds: new Map(this.zeroSeeds),
      otSender: new Map(this.otSender),
      otReceiver: new Map(this.otReceiver),
      burned: [],
    };
    checkKeyShare(share);
    this.seedParts.clear();
    return share;
  }
}
