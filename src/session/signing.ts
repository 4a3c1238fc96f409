/**
 * Signing on the vault's paired channel, the requester's side: a device
 * sends the request itself (never a bare hash), collects the co-signers'
 * answers, and runs DKLs23 signing with the first t − 1 that accept. The
 * co-signer's side is serve-signing.ts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import { TandemError } from '../errors/index.js';
import { requestAccount } from './account-path.js';
import { DklsSign, isOtFailure, type EcdsaSignature } from '../tss/dkls/index.js';
import { encodeTranscript } from '../tss/transcript.js';
import type { CeremonyEvent, CeremonyTiming } from './ceremony-common.js';
import { controlFrom, controlHeader, signControl, type SignAnswerMsg } from './control.js';
import { memberIdentities, type DeviceVault } from './device-vault.js';
import { GenerationBehind } from './generations.js';
import type { DevicePublic } from './identity.js';
import { Liveness, type LivenessTiming } from './liveness.js';
import { CeremonyTimeout, type Mailbox } from './mailbox.js';
import { CeremonyAbort, runProtocol } from './run-protocol.js';
import { digestOf, parseSigningRequest, type SigningRequest } from './signing-request.js';
import { requestTimes } from './request-times.js';
import type { CosignRequest } from './cosign-request.js';
import type { Protocol } from '../tss/protocol.js';
import { otRefusal, type OtBurns } from './ot-burns.js';
import { burnPair } from '../tss/share.js';

/** The co-signers refused (code `signing.refused`); `reasons` says who and why. */
export class SigningRefused extends TandemError<'signing.refused'> {
  override readonly name = 'SigningRefused';
  constructor(readonly reasons: Array<{ deviceId: string; reason: string; code?: string }>) {
    super('signing.refused', `signing refused: ${reasons.map((r) => `${r.deviceId}: ${r.reason}`).join('; ')}`, {
      details: { devices: reasons.map((r) => r.deviceId) },
    });
  }
}

export function signSid(id: string, signers: readonly PartyId[], digest: Uint8Array): Uint8Array {
  return sha256(encodeTranscript('sign-session', id, ...signers, digest));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

type RequestOptions = CeremonyTiming & {
  mailbox: Mailbox;
  vault: DeviceVault;
  request: SigningRequest;
  onEvent?: (e: CeremonyEvent) => void;
  /** The device's OT burns: a failed OT check burns the pair durably (see ot-burns.ts). */
  burns?: OtBurns;
  /** A peer's OT messages failed their check (after the burn was applied and its save attempted). */
  onOtFailure?: (party: PartyId) => void;
  liveness?: LivenessTiming;
  /**
   * Rejects when the request must be dropped while it waits for answers (the
   * vault's pending change completed meanwhile: the caller asks again with
   * the new generation). Never used once signing started.
   */
  superseded?: Promise<never>;
};

/** The signed `sign-answer` to request `id` in `d`, from the vault device it names, or null. */
function answerIn(d: Parameters<typeof controlHeader>[0], id: string, identities: ReadonlyMap<PartyId, DevicePublic>) {
  const h = controlHeader(d);
  if (h?.t !== 'sign-answer' || h.id !== id || h.party === undefined) return null;
  const who = identities.get(h.party);
  return who ? controlFrom('sign-answer', who, d) : null;
}

/** Waits for t − 1 acceptances; throws {@link SigningRefused} once too many refused, a timeout naming the silent. */
async function collectAnswers(opts: Omit<RequestOptions, 'request'>, id: string, deadline: number): Promise<PartyId[]> {
  const { vault } = opts;
  const identities = memberIdentities(vault);
  const self = vault.ecdsa.self;
  const needed = vault.ecdsa.t - 1;
  const others = [...identities.keys()].filter((p) => p !== self && !vault.ecdsa.burned.includes(p));
  const accepted: PartyId[] = [];
  const refused: SigningRefused['reasons'] = [];
  const answered = (p: PartyId) => accepted.includes(p) || refused.some((r) => r.deviceId === identities.get(p)!.deviceId);
  while (accepted.length < needed) {
    if (others.length - refused.length < needed) throw refusal(vault, refused);
    const take = opts.mailbox.take(
      (d) => !!answerIn(d, id, identities),
      Math.max(1, deadline - Date.now()),
      () => {
        const silent = others.filter((p) => !answered(p)).map((p) => identities.get(p)!.deviceId);
        return new CeremonyTimeout(
          `no answer from ${silent.join(', ')} within ${Math.round(opts.joinTimeoutMs / 1000)} s: the co-signer may be offline`,
          silent,
          'answers',
        );
      },
    );
    const d = await (opts.superseded ? Promise.race([take, opts.superseded]) : take);
    const a = d.payload as SignAnswerMsg;
    // Its own party never answers for a co-signer (defence in depth: the relay does not echo a device's messages).
    if (a.party === vault.ecdsa.self) continue;
    const deviceId = identities.get(a.party)!.deviceId;
    if (answered(a.party)) continue;
    if (a.ok) accepted.push(a.party);
    else refused.push({ deviceId, reason: String(a.reason ?? 'refused').slice(0, 300), ...(a.code ? { code: a.code } : {}) });
    opts.onEvent?.({ kind: 'answer', deviceId, accepted: a.ok, ...(a.ok ? {} : { reason: String(a.reason ?? '') }) });
  }
  return accepted;
}

/** Refusals, or plainly "this device was left behind" when co-signers hold a newer generation. */
function refusal(vault: DeviceVault, refused: SigningRefused['reasons']): Error {
  const ahead = refused.filter((r) => r.code === 'generation.behind');
  if (ahead.length) {
    return new GenerationBehind(
      `this device holds share generation ${vault.ecdsa.epoch}, but ${ahead.map((r) => r.deviceId).join(', ')} hold a newer one: this device was left behind by a re-share. Re-share the vault from a device that holds the current generation to include this one again, or restore this device from a current backup.`,
      null,
    );
  }
  return new SigningRefused(refused);
}

/**
 * Asks the vault's other devices to co-sign `request` on the paired channel
 * and runs DKLs23 signing with the first t − 1 that accept.
 */
export async function requestSignature(opts: RequestOptions): Promise<EcdsaSignature> {
  const request = parseSigningRequest(opts.request);
  const digest = digestOf(request);
  // The requester checks the account it names as every co-signer will (docs/accounts.md): nothing is asked otherwise.
  requestAccount(request, opts.vault);
  const { id, signers } = await askCosigners(opts, request, digest);
  return signWithQuorum({ ...opts, id, signers, digest, path: request.path });
}

/**
 * The requester's side for either family: sends the signed `sign-request`
 * (the request itself and its digest, with its times), waits for t − 1
 * acceptances and sends `sign-start` naming the signer set.
 */
export async function askCosigners(
  opts: Omit<RequestOptions, 'request'>,
  request: CosignRequest,
  digest: Uint8Array,
): Promise<{ id: string; signers: PartyId[] }> {
  const { mailbox, vault } = opts;
  // Burns a save could not store yet are re-applied (and their save retried) before any peer is asked.
  await opts.burns?.settle(vault);
  const self = vault.ecdsa.self;
  // Never ask a peer whose OT material is burned (selective-failure defence); say so when that leaves too few.
  const usable = [...memberIdentities(vault).keys()].filter((p) => p !== self && !vault.ecdsa.burned.includes(p));
  const burned = vault.ecdsa.burned.filter((p) => p !== self);
  if (usable.length < vault.ecdsa.t - 1 && burned.length) throw opts.burns?.quorumRefusal(vault, burned) ?? otRefusal(vault, burned[0]!);
  const id = bytesToHex(randomBytes(16));
  // Created now, valid for as long as this device waits for answers; the signature covers both.
  const times = requestTimes(Date.now(), opts.joinTimeoutMs);
  await mailbox.send(
    'all',
    signControl(vault.identity, {
      t: 'sign-request',
      id,
      party: self,
      epoch: vault.ecdsa.epoch,
      request,
      digest: bytesToHex(digest),
      ...times,
    }),
  );
  opts.onEvent?.({ kind: 'requested', id, expires: times.expires });
  let accepted: PartyId[];
  try {
    accepted = await collectAnswers(opts, id, times.expires);
  } catch (e) {
    // Co-signers still showing the request (or reading it later from the channel) drop it.
    const why =
      e instanceof CeremonyTimeout ? 'expired' : e instanceof SigningRefused || e instanceof GenerationBehind ? 'refused' : 'failed';
    await Promise.race([
      mailbox.send('all', signControl(vault.identity, { t: 'sign-end', id, party: self, why })).catch(() => undefined),
      sleep(2000),
    ]);
    throw e;
  }
  const signers = [self, ...accepted].sort((a, b) => a - b);
  await mailbox.send('all', signControl(vault.identity, { t: 'sign-start', id, party: self, signers }));
  opts.onEvent?.({ kind: 'signing', signers });
  return { id, signers };
}

/** What every signing run among a signer set needs. */
export interface QuorumRun {
  mailbox: Mailbox;
  vault: DeviceVault;
  id: string;
  signers: PartyId[];
  roundTimeoutMs: number;
  onEvent?: (e: CeremonyEvent) => void;
  burns?: OtBurns;
  onOtFailure?: (party: PartyId) => void;
  liveness?: LivenessTiming;
}

/**
 * Runs DKLs23 signing among `signers`, with heartbeats (a signer that dies
 * is named within seconds), and reports an OT failure: when a peer's
 * OT-extension or RVOLE message fails its check, that pair's OT material may
 * have leaked bits (selective failure), so the caller must persist
 * `burnPair(share, party)` and refuse to sign with it until a re-share.
 */
export async function signWithQuorum(opts: QuorumRun & { digest: Uint8Array; path: number[] }): Promise<EcdsaSignature> {
  const { vault, signers, digest } = opts;
  const protocol = new DklsSign({ share: vault.ecdsa, signers, digest, path: opts.path, sid: signSid(opts.id, signers, digest) });
  return runQuorum(opts, protocol, (s) => s.compact);
}

/** Runs one signing protocol among `opts.signers` with liveness; `bytes` gives the signature reported in the `signed` event. */
export async function runQuorum<R>(opts: QuorumRun, protocol: Protocol<R>, bytes: (r: R) => Uint8Array): Promise<R> {
  const { vault, signers } = opts;
  const identities = memberIdentities(vault);
  const peers = signers.filter((p) => p !== vault.ecdsa.self).map((p) => identities.get(p)!);
  const live = new Liveness({
    mailbox: opts.mailbox,
    me: vault.identity,
    scope: `sign:${opts.id}`,
    peers,
    ...(opts.liveness ? { timing: opts.liveness } : {}),
  }).start();
  try {
    const signature = await Promise.race([
      runProtocol<R>({
        protocol,
        me: vault.identity,
        identities: new Map(signers.map((p) => [p, identities.get(p)!])),
        mailbox: opts.mailbox,
        roundTimeoutMs: opts.roundTimeoutMs,
        onProgress: (detail) => opts.onEvent?.({ kind: 'progress', detail }),
        onIgnored: (detail) => opts.onEvent?.({ kind: 'ignored', detail }),
        onWork: (busy) => live.work(busy),
      }),
      live.failure,
    ]);
    opts.onEvent?.({ kind: 'signed', signature: bytesToHex(bytes(signature)) });
    return signature;
  } catch (e) {
    if (e instanceof CeremonyAbort && isOtFailure(e.cause)) {
      // Memory first (this record, which a co-signer keeps serving with), then the awaited durable save.
      const party = e.cause.party!;
      if (opts.burns) await opts.burns.burn(vault, party);
      else vault.ecdsa = burnPair(vault.ecdsa, party);
      opts.onOtFailure?.(party);
    }
    await live.stop(e);
    throw e;
  } finally {
    await live.stop();
  }
}
