/**
 * FROST(Ed25519, SHA-512) two-round signing (`frost/sign`, RFC 9591 §5)
 * among a signer set S of at least t parties, without a coordinator: every
 * signer broadcasts, checks and aggregates. Nonces come from @noble's
 * `ed25519_FROST.commit`; the §4–§5 equations are in rfc9591.ts, on points
 * decoded and subgroup-checked once (noble's signShare/verifyShare/aggregate
 * re-parse and re-check every point on every call).
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
import type { GenNonce, RNG } from '@noble/curves/abstract/frost.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/curves/utils.js';
import { ProtocolAbort, UsageError, type PartyId } from '../errors.js';
import type { ProtocolMessage } from '../protocol.js';
import { RoundBasedProtocol, type RoundInbox, type RoundSpec } from '../rounds.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readHexArray, readInt, toHex } from '../wire.js';
import { ed25519Curve, readPoint, readScalar } from '../reshare/curve.js';
import { checkEcho, echoDigest } from '../echo.js';
import { assertFrostShare, nobleSecret, type CheckedFrostShare, type FrostKeyShare } from './share.js';
import {
  EdPoint,
  aggregateSignature,
  scalarBytes,
  signatureShare,
  signingContext,
  verifySignatureShare,
  type SignerCommitment,
  type SigningContext,
} from './rfc9591.js';

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
const Fn = EdPoint.Fn;

export class FrostSign extends RoundBasedProtocol<Uint8Array> {
  protected readonly rounds = 2;
  private readonly share: FrostKeyShare;
  /** The share's decoded points and secret (checked once per record object). */
  private readonly checked: CheckedFrostShare;
  private readonly msg: Uint8Array;
  private readonly ctx: Uint8Array;
  private readonly rng: ((bytes: number) => Uint8Array) | undefined;
  private nonce: GenNonce | null = null;
  private readonly commitments = new Map<PartyId, SignerCommitment>();
  private signing: SigningContext | null = null;
  private ownShare: bigint | null = null;

  constructor(params: FrostSignParams) {
    super(FROST_SIGN, params.sid, params.share.self, params.signers);
    this.checked = assertFrostShare(params.share, FROST_SIGN);
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
    const { hiding, binding } = this.nonce.commitments;
    this.commitments.set(this.self, {
      party: this.self,
      hiding: EdPoint.fromBytes(hiding),
      binding: EdPoint.fromBytes(binding),
      hidingBytes: hiding,
      bindingBytes: binding,
    });
    return [
      this.message(1, 'all', {
        epoch: this.share.epoch,
        ctx: toHex(this.ctx),
        hiding: toHex(hiding),
        binding: toHex(binding),
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
        return [p, echoDigest('frost/sign/r1', this.sid, p, c.hidingBytes, c.bindingBytes)];
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
      const hidingBytes = readHex(body, 'hiding', from, where, 32);
      const bindingBytes = readHex(body, 'binding', from, where, 32);
      // RFC 9591 §3.1 DeserializeElement: canonical, on the curve, not the identity, prime order. Once per point.
      const hiding = readPoint(ed25519Curve, hidingBytes, from, `${where}.hiding`) as unknown as EdPoint;
      const binding = readPoint(ed25519Curve, bindingBytes, from, `${where}.binding`) as unknown as EdPoint;
      this.commitments.set(from, { party: from, hiding, binding, hidingBytes, bindingBytes });
    }
    const { nonces } = this.nonce!;
    this.nonce = null;
    const hidingNonce = Fn.fromBytes(nonces.hiding);
    const bindingNonce = Fn.fromBytes(nonces.binding);
    nonces.hiding.fill(0);
    nonces.binding.fill(0);
    const ctx = signingContext(
      this.checked.groupKey as unknown as EdPoint,
      this.parties.map((p) => this.commitments.get(p)!),
      this.msg,
    );
    this.signing = ctx;
    const z = signatureShare(ctx, this.self, this.checked.secret, hidingNonce, bindingNonce);
    this.ownShare = z;
    const view = this.commitmentEcho();
    return [this.message(2, 'all', { share: toHex(scalarBytes(z)), echo: this.parties.map((p) => toHex(view.get(p)!)) })];
  }

  /** Output (RFC 9591 §5.3–5.4): verify each share, aggregate, verify the signature. */
  private finalize(inbox: RoundInbox): ProtocolMessage[] {
    const where = 'frost.sign.r2';
    const ctx = this.signing!;
    const view = this.commitmentEcho();
    const shares = new Map<PartyId, bigint>();
    for (const [from, body] of inbox.broadcast) {
      expectKeys(body, ['share', 'echo'], from, where);
      checkEcho(view, readHexArray(body, 'echo', from, where, this.parties.length, 32), this.parties, from, this.self, `${where}.echo`);
      const z = readScalar(ed25519Curve, readHex(body, 'share', from, where, 32), from, `${where}.share`);
      const Y = this.checked.verifyingShares.get(from)! as unknown as EdPoint;
      if (!verifySignatureShare(ctx, from, Y, z)) {
        throw new ProtocolAbort(from, `${where}.share`, 'signature share does not verify against its verifying share');
      }
      shares.set(from, z);
    }
    const ownShare = this.ownShare;
    if (ownShare === null) throw new Error('frost/sign: own share missing');
    shares.set(this.self, ownShare);
    const sig = aggregateSignature(
      ctx,
      this.parties.map((p) => shares.get(p)!),
    );
    // An independent check by noble's RFC 8032 verifier before the signature is released.
    if (!ed25519.verify(sig, this.msg, this.share.groupPublicKey)) {
      throw new ProtocolAbort(null, `${where}.verify`, 'aggregated signature fails Ed25519 verification');
    }
    this.finish(sig);
    return [];
  }
}
