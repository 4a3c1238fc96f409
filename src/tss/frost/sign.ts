/**
 * FROST(Ed25519, SHA-512) two-round signing (`frost/sign`, RFC 9591 §5)
 * among a signer set S of at least t parties, without a coordinator: every
 * signer broadcasts, checks and aggregates. The cryptography is @noble's
 * `ed25519_FROST` (commit, signShare, verifyShare, aggregate).
 *
 * Round 1 (broadcast)  RFC 9591 §5.1 commit(): hiding and binding nonce
 *                      commitments, plus the share generation and a digest
 *                      of (session, key, signer set, message) so that devices
 *                      on different generations or messages stop with a
 *                      clear error instead of a bad signature.
 * Round 2 (broadcast)  RFC 9591 §5.2 sign(): the signature share, plus an
 *                      echo of all round-1 commitments (every signer must use
 *                      the same commitment list).
 * Output               §5.4 verify_signature_share for each peer (abort
 *                      naming a bad share), §5.3 aggregate(), and a final
 *                      Ed25519 verification before the signature is released.
 *
 * Ed25519 signs the message itself (PureEdDSA): the caller passes the bytes
 * to be signed, never a hash. Nonces are single-use: they are created in
 * start(), a protocol object runs once, and noble zeroes them after use.
 */
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import type { GenNonce, NonceCommitments, RNG } from '@noble/curves/abstract/frost.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, readInt, toHex } from '../wire.js';
import { ed25519Curve, readPoint, readScalar } from '../reshare/curve.js';
import { checkEcho, echoDigest } from '../echo.js';
import { assertFrostShare, frostId, noblePublic, nobleSecret, own, type FrostKeyShare } from './share.js';

export const FROST_SIGN = 'frost/sign';

export interface FrostSignParams {
  /** Fresh random session id shared by the signers. */
  sid: Uint8Array;
  share: FrostKeyShare;
  /** The signer set: at least t parties of the share, including self. */
  signers: readonly PartyId[];
  /** The message itself (Ed25519 signs the message, not a digest). */
  message: Uint8Array;
  /**
   * TESTS ONLY (RFC 9591 vectors): the source of nonce randomness. A
   * repeating source reuses nonces and leaks the share; never set it in the
   * product, where the CSPRNG is used.
   */
  unsafeNonceRandomness?: (bytes: number) => Uint8Array;
}

const FROST = ed25519_FROST;

export class FrostSign extends RoundBasedProtocol<Uint8Array> {
  protected readonly rounds = 2;
  private readonly share: FrostKeyShare;
  private readonly msg: Uint8Array;
  private readonly ctx: Uint8Array;
  private readonly rng?: (bytes: number) => Uint8Array;
  private nonce: GenNonce | null = null;
  private readonly commitments = new Map<PartyId, NonceCommitments>();
  private commitmentList: NonceCommitments[] = [];
  private ownShare: Uint8Array | null = null;

  constructor(params: FrostSignParams) {
    super(FROST_SIGN, params.sid, params.share.self, params.signers);
    assertFrostShare(params.share, FROST_SIGN);
    const { share } = params;
    for (const p of this.parties) {
      if (!share.parties.includes(p)) throw new UsageError(`${FROST_SIGN}: signer ${p} holds no share of this vault`);
    }
    if (this.parties.length < share.t) {
      throw new UsageError(`${FROST_SIGN}: ${this.parties.length} signers, but this vault needs ${share.t}`);
    }
    if (!(params.message instanceof Uint8Array)) throw new UsageError(`${FROST_SIGN}: message must be bytes`);
    this.share = share;
    this.msg = params.message.slice();
    this.rng = params.unsafeNonceRandomness;
    this.ctx = hashTranscript(
      'frost/sign/ctx',
      this.sid,
      share.groupPublicKey,
      share.epoch,
      share.t,
      this.parties.length,
      ...this.parties,
      sha512(this.msg),
    );
  }

  protected spec(): RoundSpec {
    return { broadcast: true, p2p: false };
  }

  /** Round 1 (RFC 9591 §5.1): nonces and their commitments. */
  protected begin(): ProtocolMessage[] {
    this.nonce = this.rng ? FROST.commit(nobleSecret(this.share), this.rng as RNG) : FROST.commit(nobleSecret(this.share));
    this.commitments.set(this.self, this.nonce.commitments);
    return [
      this.message(1, 'all', {
        epoch: this.share.epoch,
        ctx: toHex(this.ctx),
        hiding: toHex(this.nonce.commitments.hiding),
        binding: toHex(this.nonce.commitments.binding),
      }),
    ];
  }

  protected process(round: number, inbox: RoundInbox): ProtocolMessage[] {
    return round === 1 ? this.round2(inbox) : this.finalize(inbox);
  }

  private commitmentEcho(): Map<PartyId, Uint8Array> {
    return new Map(
      this.parties.map((p) => {
        const c = this.commitments.get(p)!;
        return [p, echoDigest('frost/sign/r1', this.sid, p, c.hiding, c.binding)];
      }),
    );
  }

  /** Round 2 (RFC 9591 §5.2): check the peers' commitments, then sign our share. */
  private round2(inbox: RoundInbox): ProtocolMessage[] {
    const where = 'frost.sign.r1';
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['epoch', 'ctx', 'hiding', 'binding'], from, where);
      const epoch = readInt(body, 'epoch', from, where, 0, Number.MAX_SAFE_INTEGER);
      if (epoch !== this.share.epoch) {
        throw new ProtocolAbort(
          from,
          `${where}.epoch`,
          `holds a share of generation ${epoch}, this device holds generation ${this.share.epoch}: ` +
            'shares of different generations cannot sign together; finish the re-share on every device (or sign with devices of one generation)',
        );
      }
      if (!equalBytes(readHex(body, 'ctx', from, where, 32), this.ctx)) {
        throw new ProtocolAbort(from, `${where}.ctx`, 'signs with another key, signer set or message');
      }
      const hiding = readHex(body, 'hiding', from, where, 32);
      const binding = readHex(body, 'binding', from, where, 32);
      readPoint(ed25519Curve, hiding, from, `${where}.hiding`);
      readPoint(ed25519Curve, binding, from, `${where}.binding`);
      this.commitments.set(from, { identifier: frostId(from), hiding: own(hiding), binding: own(binding) });
    }
    this.commitmentList = this.parties.map((p) => this.commitments.get(p)!);
    const nonces = this.nonce!.nonces;
    this.nonce = null;
    const z = FROST.signShare(nobleSecret(this.share), noblePublic(this.share), nonces, this.commitmentList, this.msg);
    this.ownShare = z;
    const view = this.commitmentEcho();
    return [this.message(2, 'all', { share: toHex(z), echo: this.parties.map((p) => toHex(view.get(p)!)) })];
  }

  /** Output (RFC 9591 §5.3–5.4): verify each share, aggregate, verify the signature. */
  private finalize(inbox: RoundInbox): ProtocolMessage[] {
    const where = 'frost.sign.r2';
    const pub = noblePublic(this.share);
    const view = this.commitmentEcho();
    const shares: Record<string, Uint8Array> = {};
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['share', 'echo'], from, where);
      checkEcho(view, readHexArray(body, 'echo', from, where, this.parties.length, 32), this.parties, from, this.self, `${where}.echo`);
      const z = readHex(body, 'share', from, where, 32);
      readScalar(ed25519Curve, z, from, `${where}.share`);
      if (!FROST.verifyShare(pub, this.commitmentList, this.msg, frostId(from), own(z))) {
        throw new ProtocolAbort(from, `${where}.share`, 'signature share does not verify against its verifying share');
      }
      shares[frostId(from)] = own(z);
    }
    const ownShare = this.ownShare;
    if (!ownShare) throw new Error('frost/sign: own share missing');
    shares[frostId(this.self)] = ownShare;
    let sig: Uint8Array;
    try {
      sig = FROST.aggregate(pub, this.commitmentList, this.msg, shares);
    } catch {
      throw new ProtocolAbort(null, `${where}.aggregate`, 'aggregated signature does not verify');
    }
    if (!ed25519.verify(sig, this.msg, this.share.groupPublicKey)) {
      throw new ProtocolAbort(null, `${where}.verify`, 'aggregated signature fails Ed25519 verification');
    }
    this.finish(sig);
    return [];
  }
}
