/**
 * OT burns, made durable: the one rule the extension, the CLI and the phone
 * follow after a peer's OT messages fail their check.
 *
 * Why: a DKLs23 signing pair shares OT-extension material whose secret
 * correlation Δ is reused across signatures. When a peer's KOS15 consistency
 * check (`ote.consistency`) or the RVOLE check (`rvole.check`) fails, the
 * peer may be running a selective-failure attack: each probe that makes this
 * device abort (or not) leaks about one bit of Δ, so after enough probes the
 * peer learns this device's OT secrets and, with them, its share's
 * contribution (DKLs23 §3, Fig. 7 / KOS15 §4 on selective failure). The pair
 * must therefore never be used again (until a re-share gives it fresh OT
 * material), and "never" must survive a restart.
 *
 * The rule:
 * 1. Memory first: the live vault record lists the pair as burned at once, so
 *    whatever keeps using this object (a co-signer still serving) refuses it.
 * 2. Then a durable save of the record, awaited before the failure is reported.
 * 3. If the save fails, the burn stays pending in this process: a vault
 *    record re-read from storage (which predates the burn) gets it re-applied,
 *    the save is retried on every later signing attempt, and until it
 *    succeeds the device refuses to sign with that peer with the code
 *    `otBurn.unsaved` and a message that says what to do. Once saved, the
 *    pair stays refused (`otBurn.burned`) until a re-share.
 */
import { TandemError } from '../errors/index.js';
import type { PartyId } from '../tss/errors.js';
import { burnPair } from '../tss/share.js';
import type { DeviceVault } from './device-vault.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Stores the device's whole vault record durably (encrypted); throws when it cannot. */
export type SaveVault = (vault: DeviceVault) => Promise<void>;

/** This device will not sign with a peer whose OT material it burned (saved or not). */
export class OtPairRefused extends TandemError<'otBurn.burned' | 'otBurn.unsaved'> {
  override name = 'OtPairRefused';
}

const deviceOf = (vault: DeviceVault, party: PartyId) =>
  vault.members.find((m) => m.party === party)?.identity.deviceId ?? `party ${party}`;

/** The burns of one process; one instance per device (extension service worker, CLI process, phone page). */
export class OtBurns {
  /** Burns not yet known to be stored, by vault generation then peer, with the last save error. */
  private readonly unsaved = new Map<string, Map<PartyId, string>>();

  constructor(private readonly save: SaveVault) {}

  /**
   * A peer's OT messages failed their check: burns the pair in `vault` (in
   * place), then saves the record and waits for the save. Returns whether it
   * was stored; never throws (the caller reports the signing failure itself).
   */
  async burn(vault: DeviceVault, party: PartyId): Promise<boolean> {
    vault.ecdsa = burnPair(vault.ecdsa, party);
    this.pendingOf(vault).set(party, 'not saved yet');
    return this.persist(vault);
  }

  /**
   * Before signing with `vault`: re-applies in memory the burns this process
   * could not store (a record read again from storage predates them) and
   * retries storing them. Never throws; {@link refusal} then says who is refused.
   */
  async settle(vault: DeviceVault): Promise<void> {
    const pending = this.unsaved.get(keyOf(vault));
    if (!pending?.size) return;
    for (const party of pending.keys()) if (vault.ecdsa.parties.includes(party)) vault.ecdsa = burnPair(vault.ecdsa, party);
    await this.persist(vault);
  }

  /** Why this device must not sign with `party` now, or null (call after {@link settle}). */
  refusal(vault: DeviceVault, party: PartyId): OtPairRefused | null {
    const pendingError = this.unsaved.get(keyOf(vault))?.get(party);
    if (pendingError !== undefined) return unsavedError(vault, [party], pendingError);
    return otRefusal(vault, party);
  }

  /** The refusal of a requester that cannot reach a quorum without burned peers (the pending save first). */
  quorumRefusal(vault: DeviceVault, burned: readonly PartyId[]): OtPairRefused {
    const pending = this.unsaved.get(keyOf(vault));
    const unsaved = burned.filter((p) => pending?.has(p));
    if (unsaved.length) return unsavedError(vault, unsaved, pending!.get(unsaved[0]!)!);
    return burnedError(vault, burned);
  }

  /** True when no burn of `vault` waits to be stored. */
  isSaved(vault: DeviceVault): boolean {
    return !this.unsaved.get(keyOf(vault))?.size;
  }

  private pendingOf(vault: DeviceVault): Map<PartyId, string> {
    const key = keyOf(vault);
    let m = this.unsaved.get(key);
    if (!m) this.unsaved.set(key, (m = new Map()));
    return m;
  }

  private async persist(vault: DeviceVault): Promise<boolean> {
    const pending = this.pendingOf(vault);
    const stored = new Set(pending.keys());
    try {
      await this.save(vault);
    } catch (e) {
      const why = (e instanceof Error ? e.message : String(e)).slice(0, 200);
      for (const p of stored) pending.set(p, why);
      return false;
    }
    // Only what the saved record held: a burn added while the save ran is saved by the next attempt.
    for (const p of stored) if (vault.ecdsa.burned.includes(p)) pending.delete(p);
    return pending.size === 0;
  }
}

/** A generation of a vault: a re-share gives every pair fresh OT material (and may reuse party ids), so burns do not carry over. */
function keyOf(vault: DeviceVault): string {
  return `${bytesToHex(vault.ecdsa.publicKey)}:${vault.ecdsa.epoch}`;
}

/** The refusal for a burned pair as the record itself says (no pending-save knowledge). */
export function otRefusal(vault: DeviceVault, party: PartyId): OtPairRefused | null {
  return vault.ecdsa.burned.includes(party) ? burnedError(vault, [party]) : null;
}

function burnedError(vault: DeviceVault, peers: readonly PartyId[]): OtPairRefused {
  const devices = peers.map((p) => deviceOf(vault, p));
  return new OtPairRefused(
    'otBurn.burned',
    `an earlier signing with ${devices.join(', ')} failed its OT check, so this device no longer signs with it: re-share the vault to get fresh OT material`,
    { details: { peers: [...peers], devices } },
  );
}

function unsavedError(vault: DeviceVault, peers: readonly PartyId[], saveError: string): OtPairRefused {
  const devices = peers.map((p) => deviceOf(vault, p));
  return new OtPairRefused(
    'otBurn.unsaved',
    `an earlier signing with ${devices.join(', ')} failed its OT check, and this device could not yet record that in its storage (${saveError}); ` +
      'it will not sign with that device until it is recorded: make sure the vault is unlocked and its storage is writable, then try again (the record is retried on every attempt), and re-share the vault to get fresh OT material',
    { details: { peers: [...peers], devices, saveError } },
  );
}
