/**
 * Round 1 of DKLs23 signing (ours, not in ePrint 2023/765 Protocol 3.6):
 * every signer broadcasts a fresh 32-byte nonce, its share epoch and a digest
 * of what it is asked to sign; the signing sid is the hash of all of them, so
 * OT extension and instance keys never repeat even if the caller's session id
 * does, and a peer signing another message, path, set or epoch is refused
 * before any secret is used.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { RoundInbox } from '../rounds.js';
import type { KeyShare } from '../share.js';
import { hashTranscript } from '../transcript.js';
import { expectKeys, readHex, readInt, toHex } from '../wire.js';
import { echoDigest } from '../echo.js';
import type { SignRun, SigningSession } from './sign-state.js';

/** Digest of (key, chain code, epoch, t, S, digest, path, caller sid): every signer must send the same. */
export function signContext(
  sid: Uint8Array,
  share: KeyShare,
  parties: readonly PartyId[],
  digest: Uint8Array,
  path: readonly number[],
): Uint8Array {
  return hashTranscript(
    'dkls23/sign/context',
    sid,
    share.publicKey,
    share.chainCode,
    share.epoch,
    share.t,
    parties.length,
    ...parties,
    digest,
    path.length,
    ...path,
  );
}

/** Round 1 checks (every peer's epoch and context), then the signing sid and the echo of round 1. */
export function fixSession(run: SignRun, context: Uint8Array, nonce: Uint8Array, inbox: RoundInbox): SigningSession {
  const nonces = new Map<PartyId, Uint8Array>([[run.self, nonce]]);
  for (const j of run.peers) {
    const b = inbox.broadcast.get(j)!;
    expectKeys(b, ['nonce', 'epoch', 'context'], j, 'sign.r1');
    const epoch = readInt(b, 'epoch', j, 'sign.r1', 0, 0xffffffff);
    if (epoch !== run.share.epoch) {
      throw new ProtocolAbort(
        j,
        'sign.epoch',
        `peer holds a share of epoch ${epoch}, ours is ${run.share.epoch}; shares of different generations never sign together`,
      );
    }
    const ctx = readHex(b, 'context', j, 'sign.r1', 32);
    if (toHex(ctx) !== toHex(context)) {
      throw new ProtocolAbort(j, 'sign.context', 'peer is signing another message, key, path or signer set');
    }
    nonces.set(j, readHex(b, 'nonce', j, 'sign.r1', 32));
  }
  const ssid = hashTranscript('dkls23/sign/sid', context, ...run.parties.map((k) => nonces.get(k)!));
  return {
    ssid,
    rvoleSid: hashTranscript('dkls23/sign/rvole', ssid),
    nonceEcho: new Map(run.parties.map((k) => [k, echoDigest('dkls23/sign/r1', context, k, nonces.get(k)!)])),
  };
}
