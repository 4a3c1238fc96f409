/**
 * Re-sharing between devices: old and new devices join one session; the
 * new devices end with shares of the same keys. The change of generation
 * follows docs/generations.md: an old device that stays keeps its old share
 * until every new device said it stored its new one; a leaving device deals
 * and then deletes nothing until it holds those statements too.
 */
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { TandemError } from '../errors/index.js';
import { EcdsaReshare, ecdsaPublicInfo } from '../tss/reshare/ecdsa.js';
import { FrostReshare } from '../tss/reshare/eddsa.js';
import { isRetired } from '../tss/reshare/protocol.js';
import { frostPublicInfo } from '../tss/frost/share.js';
import type { KeyShare } from '../tss/dkls/index.js';
import type { FrostKeyShare } from '../tss/frost/index.js';
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
  takeConfirms,
  type CeremonyTiming,
  type RosterRunOptions,
} from './ceremony-common.js';
import type { DeviceVault } from './device-vault.js';
import { MEMORY_STORE, settleGeneration, stage, type GenerationOutcome } from './generations.js';
import type { DeviceIdentity } from './identity.js';
import { newVaultRecord, protocolRunCommon } from './keygen.js';
import type { Liveness } from './liveness.js';
import { runProtocol } from './run-protocol.js';
import { receiveChannelSecret, sendChannelSecret } from './channel-rotation.js';
import { ecdsaInfoFromWire, ecdsaInfoToWire, frostInfoFromWire, frostInfoToWire } from './reshare-wire.js';
import { awaitRoster, collectRoster, identitiesOf, protocolSid, sayHello, type RosterMember, type SignedRoster } from './roster.js';

export interface ResharePlan {
  newT: number;
  /** Number of devices that join the initiator's session (old staying, old leaving, new). */
  expectedJoiners: number;
  relayUrl: string;
  /** The initiator gives its place up: it deals, and deletes its share once every new device stored its own. */
  leaving?: boolean;
}

/**
 * The outcome of a re-share for one device: it holds the new generation
 * (`member`; `vault.pending` while not every device stored it), it left and
 * deleted its share (`retired`), or it left but keeps its share until every
 * new device said it stored its own (`retiring`).
 */
export type ReshareOutcome = GenerationOutcome;

type ReshareOptions = CeremonyTiming & Omit<RosterRunOptions, keyof CeremonyTiming | 'me'>;

/** Party ids for the devices that joined: old devices keep theirs (if they own it), new ones get fresh ids. */
function assignParties(vault: DeviceVault) {
  return (joined: Array<{ identity: RosterMember['identity']; role?: RosterMember['role'] }>): RosterMember[] => {
    const members: RosterMember[] = [];
    let next = Math.max(...vault.ecdsa.parties) + 1;
    for (const j of joined) {
      const old = typeof j.role?.old === 'number' ? j.role.old : null;
      const known = old !== null ? vault.members.find((m) => m.party === old) : undefined;
      if (old !== null && (!known || known.identity.signPub !== j.identity.signPub)) continue; // claims an old id it does not own
      members.push({ party: old ?? next++, identity: j.identity, ...(j.role ? { role: j.role } : {}) });
    }
    return members;
  };
}

/**
 * Initiator of a re-share (an old device): waits for the other devices, then
 * runs it. Old devices say hello with their old party id; new devices get
 * fresh ids; old devices that say they are leaving deal but get no new share.
 */
export async function startReshare(opts: ReshareOptions & { vault: DeviceVault; plan: ResharePlan }): Promise<ReshareOutcome> {
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
    selfRole: { old: vault.ecdsa.self, ...(opts.plan.leaving ? { leaving: true } : {}) },
    onJoin: (id) => opts.onEvent?.({ kind: 'joined', deviceId: id.deviceId }),
    assign: assignParties(vault),
  });
  return reshareWithRoster(signedRoster, { ...opts, me: vault.identity, oldVault: vault, newChannel: randomBytes(32) });
}

/** A device joining a re-share: an old device passes its vault, a new device nothing. */
export async function joinReshare(
  opts: ReshareOptions & {
    me: DeviceIdentity;
    initiatorSignPub: string;
    oldVault?: DeviceVault | undefined;
    /** An old device that gives its place up: it deals but gets no new share. */
    leaving?: boolean;
    /** The vault's ECDSA public key (hex) the pairing named: a roster for another key is refused before anything runs. */
    expectedKey?: string;
  },
): Promise<ReshareOutcome> {
  const role = opts.oldVault ? { old: opts.oldVault.ecdsa.self, ...(opts.leaving ? { leaving: true } : {}) } : undefined;
  await sayHello(opts.mailbox, opts.sessionId, opts.me, role);
  const signedRoster = await awaitRoster({ ...opts, kind: 'reshare', timeoutMs: opts.joinTimeoutMs });
  return reshareWithRoster(signedRoster, opts);
}

/** `newChannel`: the initiator's rotated channel secret, for the new generation's devices only. */
type RunOptions = RosterRunOptions & { oldVault?: DeviceVault | undefined; expectedKey?: string; newChannel?: Uint8Array };

async function reshareWithRoster(signed: SignedRoster, opts: RunOptions): Promise<ReshareOutcome> {
  const { roster } = signed;
  opts.onEvent?.(rosterEvent(roster));
  const live = startLiveness(opts, roster);
  try {
    return await runReshare(signed, opts, live);
  } catch (e) {
    await live.stop(e);
    throw e;
  } finally {
    await live.stop();
  }
}

/** Refuses (`reshare.otherKey`) a roster whose key is not this device's old share's, or not the one its pairing named. */
function checkReshareKey(publicKey: Uint8Array, opts: RunOptions): void {
  const key = bytesToHex(publicKey);
  if (opts.oldVault && bytesToHex(opts.oldVault.ecdsa.publicKey) !== key)
    throw new TandemError('reshare.otherKey', 'this re-share is for another vault', { details: { what: 'key' } });
  if (opts.expectedKey !== undefined && opts.expectedKey !== key)
    throw new TandemError('reshare.otherKey', 'this re-share is for another vault than its pairing says; nothing was stored', {
      details: { what: 'key' },
    });
}

async function runReshare(signed: SignedRoster, opts: RunOptions, live: Liveness): Promise<ReshareOutcome> {
  const { roster } = signed;
  const ecdsaInfo = ecdsaInfoFromWire(roster.params.ecdsa);
  const eddsaInfo = frostInfoFromWire(roster.params.eddsa);
  const old = opts.oldVault;
  checkReshareKey(ecdsaInfo.publicKey, opts);
  const self = selfIn(roster, opts.me);
  const quorum = roster.members
    .filter((m) => typeof m.role?.old === 'number')
    .map((m) => m.party)
    .sort((a, b) => a - b);
  const newMembers = roster.members.filter((m) => m.role?.leaving !== true).map((m) => ({ party: m.party, identity: m.identity }));
  const newParties = newMembers.map((m) => m.party).sort((a, b) => a - b);
  const newT = intParam(roster.params, 'newT', 2, newParties.length);
  const name = String(roster.params.name ?? old?.name ?? 'Vault').slice(0, 64);
  const relayUrl = String(roster.params.relayUrl ?? '');
  // The rotated channel goes to the new generation's devices only, each sealed to it alone.
  const newRosterMembers = roster.members.filter((m) => m.role?.leaving !== true);
  if (opts.newChannel) await sendChannelSecret({ ...opts, signed, self, to: newRosterMembers, secret: opts.newChannel });
  const common = protocolRunCommon(opts, identitiesOf(roster), live);
  const args = (protocol: string) => ({ sid: protocolSid(roster, protocol), self, quorum, newParties, newThreshold: newT });
  const [ecdsa, eddsa] = await guarded(
    live,
    Promise.all([
      runProtocol({ ...common, protocol: new EcdsaReshare({ ...args('reshare/ecdsa'), old: old ? old.ecdsa : ecdsaInfo }) }),
      runProtocol({ ...common, protocol: new FrostReshare({ ...args('reshare/eddsa'), old: old ? old.eddsa : eddsaInfo }) }),
    ]),
  );
  const store = opts.store ?? MEMORY_STORE;
  const settle = (staged: DeviceVault) =>
    settleGeneration({
      mailbox: opts.mailbox,
      store,
      staged,
      timeoutMs: opts.roundTimeoutMs,
      liveness: live,
      onStep: (step) => opts.onEvent?.({ kind: step }),
    });
  let out: Awaited<ReturnType<typeof settleGeneration>>;
  if (isRetired(ecdsa) || isRetired(eddsa)) {
    if (!old) throw new Error('a device without a share cannot leave');
    // Deals, then waits: the new devices' confirmations say what they hold; their statements, that they stored it.
    const digest = await takeConfirms({
      mailbox: opts.mailbox,
      identities: new Map(newMembers.map((m) => [m.party, m.identity])),
      sessionId: opts.sessionId,
      timeoutMs: opts.roundTimeoutMs * 8,
      liveness: live,
    });
    out = await settle(stage({ kind: 'retire', current: old, ceremony: opts.sessionId, digest, room: roomOf(opts), awaiting: newMembers }));
  } else {
    const keys = { ecdsa: ecdsa as KeyShare, eddsa: eddsa as FrostKeyShare };
    const digest = resultDigest(roster, keys.ecdsa, keys.eddsa);
    await confirmAll(opts, { self, identities: new Map(newMembers.map((m) => [m.party, m.identity])), digest, liveness: live });
    const channel = opts.newChannel
      ? { relayUrl, secret: opts.newChannel }
      : await guarded(live, receiveChannelSecret({ ...opts, signed, self, relayUrl, timeoutMs: opts.roundTimeoutMs }));
    const fresh = newVaultRecord(opts, { name, channel }, newMembers, keys.ecdsa, keys.eddsa);
    const kind = old ? 'next' : 'unconfirmed';
    out = await settle(stage({ kind, current: old, fresh, ceremony: opts.sessionId, digest, room: roomOf(opts), awaiting: newMembers }));
  }
  reportOutcome(opts, out);
  return out;
}
