/**
 * The three TSS actions as ceremonies between devices, over any
 * {@link Mailbox} (in the product: a relay room, end-to-end encrypted).
 *
 * - Key generation: the initiator collects the devices, signs the roster,
 *   then every device runs DKLs23 (ECDSA) and FROST (EdDSA) key generation,
 *   and all confirm the same keys before anyone stores anything.
 * - Signing: on the vault's paired channel, a device sends the request itself
 *   (never a bare hash); each co-signer decodes it, computes the digest
 *   itself, asks its user or its policy, and the quorum runs DKLs23 signing.
 * - Re-sharing: old and new devices join one session; the new devices end
 *   with shares of the same keys, old shares are replaced only after every
 *   new device confirmed.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../tss/errors.js';
import { DklsKeygen, DklsSign, isOtFailure, type EcdsaSignature, type KeyShare } from '../tss/dkls/index.js';
import { FrostKeygen, type FrostKeyShare } from '../tss/frost/index.js';
import { EcdsaReshare, ecdsaPublicInfo, type EcdsaPublicInfo } from '../tss/reshare/ecdsa.js';
import { FrostReshare } from '../tss/reshare/eddsa.js';
import { isRetired } from '../tss/reshare/protocol.js';
import { frostPublicInfo, type FrostPublicInfo } from '../tss/frost/share.js';
import { encodeTranscript } from '../tss/transcript.js';
import { burnPair } from '../tss/share.js';
import { isPlainObject } from '../tss/wire.js';
import { publicOf, type DeviceIdentity, type DevicePublic } from './identity.js';
import { CeremonyTimeout, type Delivery, type Mailbox } from './mailbox.js';
import { otRefusal, type OtBurns } from './ot-burns.js';
import { receiveChannelSecret, sendChannelSecret } from './channel-rotation.js';
import { CeremonyAbort, runProtocol, type IgnoredMessage, type ProgressEvent } from './run-protocol.js';
import {
  awaitRoster,
  collectRoster,
  identitiesOf,
  protocolSid,
  rosterHash,
  sayHello,
  type Roster,
  type RosterMember,
  type SignedRoster,
} from './roster.js';
import {
  checkDigest,
  checkRequestTimes,
  describeRequest,
  digestOf,
  MAX_CLOCK_SKEW_MS,
  parseSigningRequest,
  requestTimes,
  SigningRequestExpired,
  SigningRequestRejected,
  type RequestTimes,
  type SigningRequest,
} from './signing-request.js';
import { DEVICE_VAULT_VERSION, ethAddress, memberIdentities, type DeviceVault } from './device-vault.js';

/** Something that happened during a ceremony, for progress displays. */
export type CeremonyEvent =
  | { kind: 'joined'; deviceId: string }
  | { kind: 'roster'; members: Array<{ party: PartyId; deviceId: string }> }
  | { kind: 'progress'; detail: ProgressEvent }
  /** A message was dropped because it did not authenticate (e.g. a forged abort); nobody is blamed. */
  | { kind: 'ignored'; detail: IgnoredMessage }
  | { kind: 'confirmed' }
  | { kind: 'request'; from: string; lines: string[] }
  /** The request went out on the paired channel (id of its `sign-request` message, and when it expires). */
  | { kind: 'requested'; id: string; expires: number }
  | { kind: 'answer'; deviceId: string; accepted: boolean; reason?: string }
  | { kind: 'signing'; signers: PartyId[] }
  | { kind: 'signed'; signature: string };

export interface CeremonyTiming {
  /** How long to wait for devices to join (or for a user to approve). */
  joinTimeoutMs: number;
  /** How long to wait for each protocol round. */
  roundTimeoutMs: number;
}

// ---------------------------------------------------------------- signed control messages

function controlBytes(body: Record<string, unknown>): Uint8Array {
  return encodeTranscript('control', JSON.stringify(body));
}

function signed<T extends Record<string, unknown>>(me: DeviceIdentity, body: T): T & { sig: string } {
  return { ...body, sig: bytesToHex(ed25519.sign(controlBytes(body), me.signSecret)) };
}

/** True when `d` came from `who`'s device (as the transport authenticated it) and carries `who`'s signature. */
function signedBy(who: DevicePublic, d: Delivery): boolean {
  if (d.from !== who.deviceId || !isPlainObject(d.payload)) return false;
  const { sig, ...body } = d.payload;
  if (typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) return false;
  try {
    return ed25519.verify(hexToBytes(sig), controlBytes(body), hexToBytes(who.signPub));
  } catch {
    return false;
  }
}

/**
 * Every party broadcasts a signed digest of what it ended with; a device only
 * stores its result once all the others confirmed the same digest.
 */
async function confirmAll(opts: {
  mailbox: Mailbox;
  me: DeviceIdentity;
  self: PartyId;
  identities: ReadonlyMap<PartyId, DevicePublic>;
  sessionId: string;
  digest: string;
  timeoutMs: number;
}): Promise<void> {
  const { mailbox, identities } = opts;
  await mailbox.send('all', signed(opts.me, { t: 'confirm', sessionId: opts.sessionId, party: opts.self, digest: opts.digest }));
  const deadline = Date.now() + opts.timeoutMs;
  for (const [party, id] of identities) {
    if (party === opts.self) continue;
    const d = await mailbox.take(
      (d) =>
        isPlainObject(d.payload) &&
        d.payload.t === 'confirm' &&
        d.payload.sessionId === opts.sessionId &&
        d.payload.party === party &&
        signedBy(id, d),
      Math.max(1, deadline - Date.now()),
      () => new CeremonyTimeout(`${id.deviceId} did not confirm the result in time; nothing was stored`, [id.deviceId]),
    );
    if ((d.payload as { digest: unknown }).digest !== opts.digest) {
      throw new CeremonyAbort(`${id.deviceId} ended with a different result; nothing was stored`, id.deviceId, 'confirm.mismatch');
    }
  }
}

function selfIn(roster: Roster, me: DeviceIdentity): PartyId {
  const mine = publicOf(me);
  const m = roster.members.find((x) => x.identity.signPub === mine.signPub);
  if (!m) throw new Error('this device is not in the roster');
  return m.party;
}

function rosterEvent(roster: Roster): CeremonyEvent {
  return { kind: 'roster', members: roster.members.map((m) => ({ party: m.party, deviceId: m.identity.deviceId })) };
}

function intParam(params: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = params[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new Error(`ceremony parameter ${key} must be an integer in [${min}, ${max}]`);
  return v;
}

function hexParam(params: Record<string, unknown>, key: string, bytes: number): Uint8Array {
  const v = params[key];
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9a-f]+$/.test(v))
    throw new Error(`ceremony parameter ${key} must be ${bytes} bytes of hex`);
  return hexToBytes(v);
}

// ---------------------------------------------------------------- key generation

export interface KeygenPlan {
  t: number;
  n: number;
  name: string;
  /** Relay of the vault's paired channel after key generation. */
  relayUrl: string;
}

/** Initiator of key generation: waits for n − 1 devices, then runs it. */
export async function createVault(
  opts: CeremonyTiming & {
    mailbox: Mailbox;
    me: DeviceIdentity;
    sessionId: string;
    plan: KeygenPlan;
    onEvent?: (e: CeremonyEvent) => void;
  },
): Promise<DeviceVault> {
  const { plan } = opts;
  if (!Number.isInteger(plan.n) || plan.n < 2 || plan.n > 16 || !Number.isInteger(plan.t) || plan.t < 2 || plan.t > plan.n) {
    throw new Error(`a vault needs 2 <= t <= n <= 16 devices (got ${plan.t}-of-${plan.n})`);
  }
  const signedRoster = await collectRoster({
    mailbox: opts.mailbox,
    me: opts.me,
    sessionId: opts.sessionId,
    kind: 'keygen',
    params: { t: plan.t, n: plan.n, name: plan.name, relayUrl: plan.relayUrl, channel: bytesToHex(randomBytes(32)) },
    expected: plan.n - 1,
    timeoutMs: opts.joinTimeoutMs,
    onJoin: (id) => opts.onEvent?.({ kind: 'joined', deviceId: id.deviceId }),
  });
  return keygenWithRoster(signedRoster, opts);
}

/** A device joining key generation from a pairing payload. */
export async function joinVault(
  opts: CeremonyTiming & {
    mailbox: Mailbox;
    me: DeviceIdentity;
    sessionId: string;
    /** The initiator's identity key, from the pairing payload. */
    initiatorSignPub: string;
    onEvent?: (e: CeremonyEvent) => void;
  },
): Promise<DeviceVault> {
  await sayHello(opts.mailbox, opts.sessionId, opts.me);
  const signedRoster = await awaitRoster({ ...opts, kind: 'keygen', timeoutMs: opts.joinTimeoutMs });
  return keygenWithRoster(signedRoster, opts);
}

/** What key generation and re-sharing pass on once the roster is known. */
type RosterRunOptions = CeremonyTiming & { mailbox: Mailbox; me: DeviceIdentity; sessionId: string; onEvent?: (e: CeremonyEvent) => void };

/** The part of {@link runProtocol}'s input that both protocols of a key generation or re-share share. */
function protocolRunCommon(opts: RosterRunOptions, identities: ReadonlyMap<PartyId, DevicePublic>) {
  return {
    me: opts.me,
    identities,
    mailbox: opts.mailbox,
    roundTimeoutMs: opts.roundTimeoutMs,
    onProgress: (detail: ProgressEvent) => opts.onEvent?.({ kind: 'progress', detail }),
    onIgnored: (detail: IgnoredMessage) => opts.onEvent?.({ kind: 'ignored', detail }),
  };
}

/** The vault's name and paired channel, as the roster fixes them; read before any protocol runs. */
function vaultSettings(roster: Roster, defaultName: string): Pick<DeviceVault, 'name' | 'channel'> {
  return {
    name: String(roster.params.name ?? defaultName).slice(0, 64),
    channel: { relayUrl: String(roster.params.relayUrl ?? ''), secret: hexParam(roster.params, 'channel', 32) },
  };
}

/**
 * Confirms the result with every device that holds a share of it (nothing is
 * stored before all confirmed), then builds this device's vault record.
 */
async function confirmedVault(
  opts: RosterRunOptions,
  {
    roster,
    self,
    members,
    settings,
    ecdsa,
    eddsa,
  }: {
    roster: Roster;
    self: PartyId;
    members: readonly RosterMember[];
    settings: Pick<DeviceVault, 'name' | 'channel'>;
    ecdsa: KeyShare;
    eddsa: FrostKeyShare;
  },
): Promise<DeviceVault> {
  await confirmAll({
    mailbox: opts.mailbox,
    me: opts.me,
    self,
    identities: new Map(members.map((m) => [m.party, m.identity])),
    sessionId: opts.sessionId,
    digest: resultDigest(roster, ecdsa, eddsa),
    timeoutMs: opts.roundTimeoutMs,
  });
  opts.onEvent?.({ kind: 'confirmed' });
  return {
    v: DEVICE_VAULT_VERSION,
    name: settings.name,
    address: ethAddress(ecdsa.publicKey),
    identity: opts.me,
    members: members.map((m) => ({ party: m.party, identity: m.identity })),
    ecdsa,
    eddsa,
    channel: settings.channel,
  };
}

async function keygenWithRoster({ roster }: SignedRoster, opts: RosterRunOptions): Promise<DeviceVault> {
  opts.onEvent?.(rosterEvent(roster));
  const n = intParam(roster.params, 'n', 2, 16);
  const t = intParam(roster.params, 't', 2, n);
  if (roster.members.length !== n) throw new Error(`roster has ${roster.members.length} devices, expected ${n}`);
  const settings = vaultSettings(roster, 'Vault');
  const self = selfIn(roster, opts.me);
  const parties = roster.members.map((m) => m.party);
  const common = protocolRunCommon(opts, identitiesOf(roster));
  const [ecdsa, eddsa] = await Promise.all([
    runProtocol<KeyShare>({ ...common, protocol: new DklsKeygen({ sid: protocolSid(roster, 'dkls23/keygen'), self, parties, t }) }),
    runProtocol<FrostKeyShare>({
      ...common,
      protocol: new FrostKeygen({ sid: protocolSid(roster, 'frost/keygen'), self, parties, threshold: t }),
    }),
  ]);
  return confirmedVault(opts, { roster, self, members: roster.members, settings, ecdsa, eddsa });
}

function resultDigest(roster: Roster, ecdsa: KeyShare, eddsa: FrostKeyShare): string {
  const shares = (m: ReadonlyMap<PartyId, Uint8Array>) =>
    [...m]
      .sort(([a], [b]) => a - b)
      .map(([p, x]) => `${p}:${bytesToHex(x)}`)
      .join(',');
  return bytesToHex(
    sha256(
      encodeTranscript(
        'ceremony-result',
        rosterHash(roster),
        ecdsa.epoch,
        ecdsa.publicKey,
        ecdsa.chainCode,
        shares(ecdsa.publicShares),
        eddsa.groupPublicKey,
        shares(eddsa.verifyingShares),
      ),
    ),
  );
}

// ---------------------------------------------------------------- signing

/** The co-signers refused; `reasons` says who and why. */
export class SigningRefused extends Error {
  override readonly name = 'SigningRefused';
  constructor(readonly reasons: Array<{ deviceId: string; reason: string }>) {
    super(`signing refused: ${reasons.map((r) => `${r.deviceId}: ${r.reason}`).join('; ')}`);
  }
}

function signSid(id: string, signers: readonly PartyId[], digest: Uint8Array): Uint8Array {
  return sha256(encodeTranscript('sign-session', id, ...signers, digest));
}

/**
 * Asks the vault's other devices to co-sign `request` on the paired channel
 * and runs DKLs23 signing with the first t − 1 that accept.
 */
export async function requestSignature(
  opts: CeremonyTiming & {
    mailbox: Mailbox;
    vault: DeviceVault;
    request: SigningRequest;
    onEvent?: (e: CeremonyEvent) => void;
    /** The device's OT burns: a failed OT check burns the pair durably (see ot-burns.ts). */
    burns?: OtBurns;
    /** A peer's OT messages failed their check (after the burn was applied and its save attempted). */
    onOtFailure?: (party: PartyId) => void;
  },
): Promise<EcdsaSignature> {
  const { mailbox, vault } = opts;
  const request = parseSigningRequest(opts.request);
  // Burns a save could not store yet are re-applied (and their save retried) before any peer is asked.
  await opts.burns?.settle(vault);
  const digest = digestOf(request);
  const self = vault.ecdsa.self;
  const identities = memberIdentities(vault);
  const needed = vault.ecdsa.t - 1;
  // Never ask a peer whose OT material is burned (selective-failure defence); say so when that leaves too few.
  const others = [...identities.keys()].filter((p) => p !== self && !vault.ecdsa.burned.includes(p));
  const burned = vault.ecdsa.burned.filter((p) => p !== self);
  if (others.length < needed && burned.length) throw opts.burns?.quorumRefusal(vault, burned) ?? otRefusal(vault, burned[0]!);
  const id = bytesToHex(randomBytes(16));
  // Created now, valid for as long as this device waits for answers; the signature covers both.
  const times = requestTimes(Date.now(), opts.joinTimeoutMs);
  await mailbox.send(
    'all',
    signed(vault.identity, { t: 'sign-request', id, party: self, epoch: vault.ecdsa.epoch, request, digest: bytesToHex(digest), ...times }),
  );
  opts.onEvent?.({ kind: 'requested', id, expires: times.expires });

  const accepted: PartyId[] = [];
  const refused: Array<{ deviceId: string; reason: string }> = [];
  const deadline = times.expires;
  try {
    await collectAnswers();
  } catch (e) {
    // Co-signers still showing the request (or reading it later from the channel) drop it.
    const why = e instanceof CeremonyTimeout ? 'expired' : e instanceof SigningRefused ? 'refused' : 'failed';
    await Promise.race([
      mailbox.send('all', signed(vault.identity, { t: 'sign-end', id, party: self, why })).catch(() => undefined),
      sleep(2000),
    ]);
    throw e;
  }
  const signers = [self, ...accepted].sort((a, b) => a - b);
  await mailbox.send('all', signed(vault.identity, { t: 'sign-start', id, party: self, signers }));
  opts.onEvent?.({ kind: 'signing', signers });
  return signWithQuorum({ ...opts, id, signers, digest, path: request.path });

  async function collectAnswers(): Promise<void> {
    while (accepted.length < needed) {
      if (others.length - refused.length < needed) throw new SigningRefused(refused);
      const d = await mailbox.take(
        (d) => {
          const p = d.payload;
          if (!isPlainObject(p) || p.t !== 'sign-answer' || p.id !== id || typeof p.party !== 'number') return false;
          const who = identities.get(p.party);
          return !!who && signedBy(who, d);
        },
        Math.max(1, deadline - Date.now()),
        () => {
          const silent = others
            .filter((p) => !accepted.includes(p) && !refused.some((r) => r.deviceId === identities.get(p)!.deviceId))
            .map((p) => identities.get(p)!.deviceId);
          return new CeremonyTimeout(
            `no answer from ${silent.join(', ')} within ${Math.round(opts.joinTimeoutMs / 1000)} s: the co-signer may be offline`,
            silent,
          );
        },
      );
      const p = d.payload as { party: PartyId; ok: unknown; reason?: unknown };
      const deviceId = identities.get(p.party)!.deviceId;
      if (accepted.includes(p.party) || refused.some((r) => r.deviceId === deviceId)) continue;
      if (p.ok === true) accepted.push(p.party);
      else refused.push({ deviceId, reason: String(p.reason ?? 'refused').slice(0, 300) });
      opts.onEvent?.({ kind: 'answer', deviceId, accepted: p.ok === true, ...(p.ok === true ? {} : { reason: String(p.reason ?? '') }) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs DKLs23 signing among `signers` and reports an OT failure: when a
 * peer's OT-extension or RVOLE message fails its check, that pair's OT
 * material may have leaked bits (selective failure), so the caller must
 * persist `burnPair(share, party)` and refuse to sign with it until a re-share.
 */
async function signWithQuorum(opts: {
  mailbox: Mailbox;
  vault: DeviceVault;
  id: string;
  signers: PartyId[];
  digest: Uint8Array;
  path: number[];
  roundTimeoutMs: number;
  onEvent?: (e: CeremonyEvent) => void;
  burns?: OtBurns;
  onOtFailure?: (party: PartyId) => void;
}): Promise<EcdsaSignature> {
  const { vault, signers, digest } = opts;
  const identities = memberIdentities(vault);
  try {
    const signature = await runProtocol<EcdsaSignature>({
      protocol: new DklsSign({ share: vault.ecdsa, signers, digest, path: opts.path, sid: signSid(opts.id, signers, digest) }),
      me: vault.identity,
      identities: new Map(signers.map((p) => [p, identities.get(p)!])),
      mailbox: opts.mailbox,
      roundTimeoutMs: opts.roundTimeoutMs,
      onProgress: (detail) => opts.onEvent?.({ kind: 'progress', detail }),
      onIgnored: (detail) => opts.onEvent?.({ kind: 'ignored', detail }),
    });
    opts.onEvent?.({ kind: 'signed', signature: bytesToHex(signature.compact) });
    return signature;
  } catch (e) {
    if (e instanceof CeremonyAbort && isOtFailure(e.cause)) {
      // Memory first (this record, which a co-signer keeps serving with), then the awaited durable save.
      const party = e.cause.party!;
      if (opts.burns) await opts.burns.burn(vault, party);
      else vault.ecdsa = burnPair(vault.ecdsa, party);
      opts.onOtFailure?.(party);
    }
    throw e;
  }
}

/** What a co-signer decides about a request: true to sign, or the reason to refuse. */
export type Decision = true | string;

/** About the request `decide` is asked: its id and times, and a signal that fires when it no longer needs a decision. */
export interface RequestInfo extends RequestTimes {
  id: string;
  /**
   * Aborted when the request expires (this device's clock) or its requester
   * ended it (it started signing with other co-signers, was refused, or gave
   * up): take it off the screen. The decision is no longer used then.
   */
  ended: AbortSignal;
}

/** The outcome of one request for a co-signer. */
export interface ServeResult {
  id: string;
  ok: boolean;
  error?: string;
  /** It was never shown: long expired, or ended by its requester before it was read. */
  skipped?: boolean;
  /** Why it needs no decision any more: it expired, or its requester ended it. */
  ended?: 'expired' | 'requester';
}

/**
 * Co-signer: answers signing requests on the paired channel until `stop()`.
 * Each request is parsed strictly, its digest recomputed and compared, its
 * creation time and expiry checked against this device's clock, then
 * `decide` (the user, or a policy) approves or refuses it.
 *
 * A co-signer may open the channel with its backlog (requests sent while it
 * was away): a request that expired more than the clock-skew allowance ago,
 * or that its requester already ended (`sign-start` or `sign-end` from the
 * requester for that id), is skipped without an answer; one that expired just
 * now is refused with the reason (the requester may still wait, its clock
 * being behind).
 */
export function serveSigning(opts: {
  mailbox: Mailbox;
  vault: DeviceVault;
  decide: (request: SigningRequest, lines: string[], fromDevice: string, info: RequestInfo) => Promise<Decision>;
  roundTimeoutMs: number;
  /** How long to wait for the initiator to start signing after we accepted. */
  startTimeoutMs?: number;
  onEvent?: (e: CeremonyEvent) => void;
  onResult?: (r: ServeResult) => void;
  /** The device's OT burns: a failed OT check burns the pair durably (see ot-burns.ts). */
  burns?: OtBurns;
  /** A peer's OT messages failed their check (after the burn was applied and its save attempted). */
  onOtFailure?: (party: PartyId) => void;
  /** This device's clock (tests). */
  now?: () => number;
}): { stop: () => void; idle: () => Promise<void> } {
  const { mailbox, vault } = opts;
  const identities = memberIdentities(vault);
  const self = vault.ecdsa.self;
  const now = opts.now ?? Date.now;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (delivery: Delivery) => {
    const { from } = delivery;
    const p = delivery.payload as Record<string, unknown>;
    const initiator = typeof p.party === 'number' ? identities.get(p.party) : undefined;
    if (!initiator || !signedBy(initiator, delivery) || typeof p.id !== 'string') return;
    const id = p.id;
    const answer = (ok: boolean, reason?: string) =>
      mailbox.send('all', signed(vault.identity, { t: 'sign-answer', id, party: self, ok, ...(reason ? { reason } : {}) }));
    // Ended by its requester (already in the backlog, or while the user decides), or expired meanwhile.
    const ended = new AbortController();
    const stopWatching = mailbox.listen(
      (d) =>
        isPlainObject(d.payload) &&
        (d.payload.t === 'sign-start' || d.payload.t === 'sign-end') &&
        d.payload.id === id &&
        signedBy(initiator, d),
      (d) =>
        ended.abort(
          (d.payload as { why?: unknown }).why === 'expired'
            ? new SigningRequestExpired(
                'the request expired (the requesting device stopped waiting for co-signers); ask again from the requesting device',
                0,
              )
            : new SigningRequestRejected('the requesting device ended this request (it was decided elsewhere, refused or given up)'),
        ),
    );
    if (ended.signal.aborted) {
      stopWatching();
      const reason = ended.signal.reason as Error;
      opts.onResult?.({
        id,
        ok: false,
        error: reason.message,
        skipped: true,
        ended: reason instanceof SigningRequestExpired ? 'expired' : 'requester',
      });
      return;
    }
    let request: SigningRequest;
    let digest: Uint8Array;
    let times: RequestTimes;
    try {
      times = checkRequestTimes(p, now());
      if (p.epoch !== vault.ecdsa.epoch)
        throw new SigningRequestRejected(
          `the requesting device holds share generation ${String(p.epoch)}, this one ${vault.ecdsa.epoch}: re-pair it`,
        );
      // A burned pair is never used again (selective-failure defence); an unsaved burn's save is retried first.
      await opts.burns?.settle(vault);
      const refusal = opts.burns ? opts.burns.refusal(vault, p.party as PartyId) : otRefusal(vault, p.party as PartyId);
      if (refusal) throw new SigningRequestRejected(refusal.message, { cause: refusal });
      request = parseSigningRequest(p.request);
      if (typeof p.digest !== 'string' || !/^[0-9a-f]{64}$/.test(p.digest))
        throw new SigningRequestRejected('the request has no 32-byte digest');
      digest = checkDigest(request, hexToBytes(p.digest));
    } catch (e) {
      stopWatching();
      const reason = e instanceof Error ? e.message : String(e);
      if (e instanceof SigningRequestExpired && e.expiredForMs > MAX_CLOCK_SKEW_MS) {
        // Long gone (read from the channel's backlog): nobody waits for an answer.
        opts.onResult?.({ id, ok: false, error: reason, skipped: true, ended: 'expired' });
        return;
      }
      opts.onResult?.({ id, ok: false, error: reason, ...(e instanceof SigningRequestExpired ? { ended: 'expired' as const } : {}) });
      await answer(false, reason);
      return;
    }
    let expiredHere = false;
    const expiry = setTimeout(
      () => {
        expiredHere = !ended.signal.aborted;
        ended.abort(
          new SigningRequestExpired(
            'the request expired before a decision (the requesting device stopped waiting); ask again from the requesting device',
            0,
          ),
        );
      },
      Math.max(0, times.expires - now()),
    );
    const lines = describeRequest(request);
    opts.onEvent?.({ kind: 'request', from, lines });
    const whenEnded = new Promise<'ended'>((resolve) => ended.signal.addEventListener('abort', () => resolve('ended'), { once: true }));
    const decision = await Promise.race([
      opts
        .decide(request, lines, from, { id, ...times, ended: ended.signal })
        .catch((e: unknown) => (e instanceof Error ? e.message : String(e))),
      whenEnded,
    ]).finally(() => {
      clearTimeout(expiry);
      stopWatching();
    });
    if (decision === 'ended' && ended.signal.aborted) {
      const reason = ended.signal.reason as Error;
      opts.onResult?.({ id, ok: false, error: reason.message, ended: reason instanceof SigningRequestExpired ? 'expired' : 'requester' });
      // The requester ended it: nobody to answer. Expired by this device's clock: the requester's may lag, so it is told.
      if (expiredHere) await answer(false, reason.message);
      return;
    }
    if (decision !== true) {
      opts.onResult?.({ id, ok: false, error: decision });
      await answer(false, decision);
      return;
    }
    await answer(true);
    try {
      // Its start, or its end: the requester gives up when others refuse or its wait runs out after we accepted.
      const start = await mailbox.take(
        (d) =>
          isPlainObject(d.payload) &&
          (d.payload.t === 'sign-start' || d.payload.t === 'sign-end') &&
          d.payload.id === id &&
          signedBy(initiator, d),
        opts.startTimeoutMs ?? 60_000,
        () => new CeremonyTimeout(`${initiator.deviceId} did not start signing`, [initiator.deviceId]),
      );
      if ((start.payload as { t: string }).t === 'sign-end') {
        opts.onResult?.({
          id,
          ok: false,
          error: 'the requesting device ended this request after this device accepted (refused or given up elsewhere); nothing was signed',
          ended: 'requester',
        });
        return;
      }
      const signers = (start.payload as { signers: unknown }).signers;
      if (!Array.isArray(signers) || !signers.every((x) => typeof x === 'number' && identities.has(x)) || !signers.includes(p.party)) {
        throw new Error('malformed signer set');
      }
      if (!signers.includes(self)) {
        opts.onResult?.({ id, ok: true });
        return;
      }
      opts.onEvent?.({ kind: 'signing', signers });
      await signWithQuorum({ ...opts, id, signers, digest, path: request.path });
      opts.onResult?.({ id, ok: true });
    } catch (e) {
      opts.onResult?.({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const unlisten = mailbox.listen(
    (d) => isPlainObject(d.payload) && d.payload.t === 'sign-request',
    (d) => {
      chain = chain.then(() => handle(d)).catch(() => undefined);
    },
  );
  return { stop: unlisten, idle: () => chain };
}

// ---------------------------------------------------------------- re-sharing

export interface ResharePlan {
  newT: number;
  /** Number of devices that join the initiator's session (old staying, old leaving, new). */
  expectedJoiners: number;
  relayUrl: string;
}

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

function ecdsaInfoToWire(i: EcdsaPublicInfo): Record<string, unknown> {
  return { ...generationToWire(i.epoch, i.t, i.parties, i.publicKey, i.publicShares), chainCode: bytesToHex(i.chainCode) };
}

function frostInfoToWire(i: FrostPublicInfo): Record<string, unknown> {
  return { ...generationToWire(i.epoch, i.t, i.parties, i.groupPublicKey, i.verifyingShares) };
}

function ecdsaInfoFromWire(x: unknown): EcdsaPublicInfo {
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

function frostInfoFromWire(x: unknown): FrostPublicInfo {
  const g = generationFromWire(x, 'EdDSA', 32);
  return { epoch: g.epoch, t: g.t, parties: g.parties, groupPublicKey: g.key, verifyingShares: g.publicShares };
}

/** The outcome of a re-share for one device. */
export type ReshareOutcome = { kind: 'member'; vault: DeviceVault } | { kind: 'retired' };

/**
 * Initiator of a re-share (an old device): waits for the other devices, then
 * runs it. Old devices say hello with their old party id; new devices get
 * fresh ids; old devices that say they are leaving deal but get no new share.
 */
export async function startReshare(
  opts: CeremonyTiming & {
    mailbox: Mailbox;
    vault: DeviceVault;
    sessionId: string;
    plan: ResharePlan;
    onEvent?: (e: CeremonyEvent) => void;
  },
): Promise<ReshareOutcome> {
  const { vault } = opts;
  const signedRoster = await collectRoster({
    mailbox: opts.mailbox,
    me: vault.identity,
    sessionId: opts.sessionId,
    kind: 'reshare',
    params: {
      newT: opts.plan.newT,
      name: vault.name,
      relayUrl: opts.plan.relayUrl,
      // No channel secret here: leaving devices read the roster (see channel-rotation.ts).
      ecdsa: ecdsaInfoToWire(ecdsaPublicInfo(vault.ecdsa)),
      eddsa: frostInfoToWire(frostPublicInfo(vault.eddsa)),
    },
    expected: opts.plan.expectedJoiners,
    timeoutMs: opts.joinTimeoutMs,
    selfRole: { old: vault.ecdsa.self },
    onJoin: (id) => opts.onEvent?.({ kind: 'joined', deviceId: id.deviceId }),
    assign: (joined) => {
      const members: RosterMember[] = [];
      let next = Math.max(...vault.ecdsa.parties) + 1;
      for (const j of joined) {
        const old = typeof j.role?.old === 'number' ? j.role.old : null;
        const known = old !== null ? vault.members.find((m) => m.party === old) : undefined;
        if (old !== null && (!known || known.identity.signPub !== j.identity.signPub)) continue; // claims an old id it does not own
        members.push({ party: old ?? next++, identity: j.identity, ...(j.role ? { role: j.role } : {}) });
      }
      return members;
    },
  });
  return reshareWithRoster(signedRoster, { ...opts, me: vault.identity, oldVault: vault, newChannel: randomBytes(32) });
}

/** A device joining a re-share: an old device passes its vault, a new device nothing. */
export async function joinReshare(
  opts: CeremonyTiming & {
    mailbox: Mailbox;
    me: DeviceIdentity;
    sessionId: string;
    initiatorSignPub: string;
    oldVault?: DeviceVault;
    /** An old device that gives its place up: it deals but gets no new share. */
    leaving?: boolean;
    onEvent?: (e: CeremonyEvent) => void;
  },
): Promise<ReshareOutcome> {
  const role = opts.oldVault ? { old: opts.oldVault.ecdsa.self, ...(opts.leaving ? { leaving: true } : {}) } : undefined;
  await sayHello(opts.mailbox, opts.sessionId, opts.me, role);
  const signedRoster = await awaitRoster({ ...opts, kind: 'reshare', timeoutMs: opts.joinTimeoutMs });
  return reshareWithRoster(signedRoster, opts);
}

async function reshareWithRoster(
  signed: SignedRoster,
  opts: RosterRunOptions & { oldVault?: DeviceVault /** Initiator: the rotated channel's secret. */; newChannel?: Uint8Array },
): Promise<ReshareOutcome> {
  const { roster } = signed;
  opts.onEvent?.(rosterEvent(roster));
  const ecdsaInfo = ecdsaInfoFromWire(roster.params.ecdsa);
  const eddsaInfo = frostInfoFromWire(roster.params.eddsa);
  const old = opts.oldVault;
  if (old && bytesToHex(old.ecdsa.publicKey) !== bytesToHex(ecdsaInfo.publicKey)) throw new Error('this re-share is for another vault');
  const self = selfIn(roster, opts.me);
  const quorum = roster.members
    .filter((m) => typeof m.role?.old === 'number')
    .map((m) => m.party)
    .sort((a, b) => a - b);
  const newMembers = roster.members.filter((m) => m.role?.leaving !== true);
  const newParties = newMembers.map((m) => m.party).sort((a, b) => a - b);
  const newT = intParam(roster.params, 'newT', 2, newParties.length);
  const name = String(roster.params.name ?? old?.name ?? 'Vault').slice(0, 64);
  const relayUrl = String(roster.params.relayUrl ?? '');
  // The rotated channel goes to the new generation's devices only, each sealed to it alone.
  if (opts.newChannel) await sendChannelSecret({ ...opts, signed, self, to: newMembers, secret: opts.newChannel });
  const common = protocolRunCommon(opts, identitiesOf(roster));
  const [ecdsa, eddsa] = await Promise.all([
    runProtocol({
      ...common,
      protocol: new EcdsaReshare({
        sid: protocolSid(roster, 'reshare/ecdsa'),
        self,
        old: old ? old.ecdsa : ecdsaInfo,
        quorum,
        newParties,
        newThreshold: newT,
      }),
    }),
    runProtocol({
      ...common,
      protocol: new FrostReshare({
        sid: protocolSid(roster, 'reshare/eddsa'),
        self,
        old: old ? old.eddsa : eddsaInfo,
        quorum,
        newParties,
        newThreshold: newT,
      }),
    }),
  ]);
  if (isRetired(ecdsa) || isRetired(eddsa)) return { kind: 'retired' };
  const channel = opts.newChannel
    ? { relayUrl, secret: opts.newChannel }
    : await receiveChannelSecret({ ...opts, signed, self, relayUrl, timeoutMs: opts.roundTimeoutMs });
  const settings = { name, channel };
  return { kind: 'member', vault: await confirmedVault(opts, { roster, self, members: newMembers, settings, ecdsa, eddsa }) };
}
