/**
 * Key generation between devices: the initiator collects the devices and
 * signs the roster, then every device runs DKLs23 (ECDSA) and FROST (EdDSA)
 * key generation, all confirm the same keys, and the result is stored as a
 * pending generation that every device must say it stored
 * (docs/generations.md).
 */
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { DklsKeygen, type KeyShare } from '../tss/dkls/index.js';
import { FrostKeygen, type FrostKeyShare } from '../tss/frost/index.js';
import {
  confirmAll,
  guarded,
  intParam,
  reportOutcome,
  resultDigest,
  roomOf,
  rosterEvent,
  selfIn,
  startLiveness,
  vaultSettings,
  type CeremonyTiming,
  type RosterRunOptions,
} from './ceremony-common.js';
import { DEVICE_VAULT_VERSION, ethAddress, type DeviceVault, type VaultMember } from './device-vault.js';
import { MEMORY_STORE, settleGeneration, stage } from './generations.js';
import type { Liveness } from './liveness.js';
import { runProtocol, type IgnoredMessage, type ProgressEvent } from './run-protocol.js';
import { awaitRoster, collectRoster, identitiesOf, protocolSid, sayHello, type Roster, type SignedRoster } from './roster.js';
import type { PartyId } from '../tss/errors.js';
import { TandemError } from '../errors/index.js';
import type { DevicePublic } from './identity.js';

export interface KeygenPlan {
  t: number;
  n: number;
  name: string;
  /** Relay of the vault's paired channel after key generation. */
  relayUrl: string;
}

type KeygenOptions = CeremonyTiming & Omit<RosterRunOptions, keyof CeremonyTiming>;

/** Initiator of key generation: waits for n − 1 devices, then runs it. Returns the record as stored. */
export async function createVault(opts: KeygenOptions & { plan: KeygenPlan }): Promise<DeviceVault> {
  const { plan } = opts;
  if (!Number.isInteger(plan.n) || plan.n < 2 || plan.n > 16 || !Number.isInteger(plan.t) || plan.t < 2 || plan.t > plan.n) {
    throw new TandemError('keygen.badQuorum', `a vault needs 2 <= t <= n <= 16 devices (got ${plan.t}-of-${plan.n})`, {
      details: { t: plan.t, n: plan.n },
    });
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
  opts: KeygenOptions & {
    /** The initiator's identity key, from the pairing payload. */
    initiatorSignPub: string;
  },
): Promise<DeviceVault> {
  await sayHello(opts.mailbox, opts.sessionId, opts.me);
  const signedRoster = await awaitRoster({ ...opts, kind: 'keygen', timeoutMs: opts.joinTimeoutMs });
  return keygenWithRoster(signedRoster, opts);
}

/** The part of {@link runProtocol}'s input that both protocols of a key generation or re-share share. */
export function protocolRunCommon(opts: RosterRunOptions, identities: ReadonlyMap<PartyId, DevicePublic>, live: Liveness) {
  return {
    onWork: (busy: boolean) => live.work(busy),
    me: opts.me,
    identities,
    mailbox: opts.mailbox,
    roundTimeoutMs: opts.roundTimeoutMs,
    onProgress: (detail: ProgressEvent) => opts.onEvent?.({ kind: 'progress', detail }),
    onIgnored: (detail: IgnoredMessage) => opts.onEvent?.({ kind: 'ignored', detail }),
  };
}

/** This device's record of the new generation, before anything is stored. */
export function newVaultRecord(
  opts: RosterRunOptions,
  settings: Pick<DeviceVault, 'name' | 'channel'>,
  members: VaultMember[],
  ecdsa: KeyShare,
  eddsa: FrostKeyShare,
): DeviceVault {
  return {
    v: DEVICE_VAULT_VERSION,
    name: settings.name,
    address: ethAddress(ecdsa.publicKey),
    identity: opts.me,
    members,
    ecdsa,
    eddsa,
    channel: settings.channel,
  };
}

async function runKeygen(roster: Roster, opts: RosterRunOptions, live: Liveness): Promise<DeviceVault> {
  const n = intParam(roster.params, 'n', 2, 16);
  const t = intParam(roster.params, 't', 2, n);
  if (roster.members.length !== n) throw new Error(`roster has ${roster.members.length} devices, expected ${n}`);
  const settings = vaultSettings(roster, 'Vault');
  const self = selfIn(roster, opts.me);
  const parties = roster.members.map((m) => m.party);
  const identities = identitiesOf(roster);
  const common = protocolRunCommon(opts, identities, live);
  const [ecdsa, eddsa] = await guarded(
    live,
    Promise.all([
      runProtocol<KeyShare>({ ...common, protocol: new DklsKeygen({ sid: protocolSid(roster, 'dkls23/keygen'), self, parties, t }) }),
      runProtocol<FrostKeyShare>({
        ...common,
        protocol: new FrostKeygen({ sid: protocolSid(roster, 'frost/keygen'), self, parties, threshold: t }),
      }),
    ]),
  );
  const digest = resultDigest(roster, ecdsa, eddsa);
  await confirmAll(opts, { self, identities, digest, liveness: live });
  const members = roster.members.map((m) => ({ party: m.party, identity: m.identity }));
  const fresh = newVaultRecord(opts, settings, members, ecdsa, eddsa);
  const staged = stage({ kind: 'unconfirmed', fresh, ceremony: opts.sessionId, digest, room: roomOf(opts), awaiting: members });
  const out = await settleGeneration({
    mailbox: opts.mailbox,
    store: opts.store ?? MEMORY_STORE,
    staged,
    timeoutMs: opts.roundTimeoutMs,
    liveness: live,
    onStep: (step) => opts.onEvent?.({ kind: step }),
  });
  reportOutcome(opts, out);
  if (out.kind !== 'member') throw new Error('key generation cannot retire a device');
  return out.vault;
}

async function keygenWithRoster({ roster }: SignedRoster, opts: RosterRunOptions): Promise<DeviceVault> {
  opts.onEvent?.(rosterEvent(roster));
  const live = startLiveness(opts, roster);
  try {
    return await runKeygen(roster, opts, live);
  } catch (e) {
    await live.stop(e);
    throw e;
  } finally {
    await live.stop();
  }
}
