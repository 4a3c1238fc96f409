/**
 * The popup's view of a ceremony run from the extension (ceremony-sessions.ts):
 * how it follows the ceremony's events, and what it says when the ceremony
 * fails or ends.
 */
import { TandemError } from '../errors/index';
import type { CeremonyEvent, ReshareOutcome } from '../session/ceremonies';
import type { DeviceVault } from '../session/device-vault';
import { describePending } from '../session/generations';
import { CeremonyTimeout } from '../session/mailbox';
import { CeremonyAbort } from '../session/run-protocol';
import type { CeremonyView } from '../shared/popup-api';

/** Updates the view for one event of its ceremony; true when the popup should be told. */
export function followEvent(view: CeremonyView, e: CeremonyEvent): boolean {
  switch (e.kind) {
    case 'joined':
      if (!view.joined.includes(e.deviceId)) view.joined = [...view.joined, e.deviceId];
      view.progress =
        view.joined.length < view.joiners ? `${view.joined.length} of ${view.joiners} devices joined.` : 'All devices joined.';
      break;
    case 'roster':
      view.status = 'running';
      // Everyone taking part, as the initiator signed it.
      view.joined = e.members.map((m) => m.deviceId).filter((d) => d !== view.thisDevice);
      view.joiners = view.joined.length;
      if (view.joining && view.kind === 'reshare') view.n = e.members.length;
      view.progress =
        view.kind === 'keygen'
          ? 'Generating the keys together (this takes a few seconds)…'
          : 'Re-sharing the keys together (this takes a few seconds)…';
      break;
    case 'progress':
      break;
    case 'confirmed':
      view.progress = 'Every device confirmed the same keys. Saving…';
      break;
    default:
      return false;
  }
  return true;
}

/** Marks the view failed with why (unless it was cancelled, which already failed it). */
export function markFailed(view: CeremonyView, e: unknown): void {
  if (view.status === 'failed') return; // cancelled
  view.status = 'failed';
  view.error = `${view.kind === 'keygen' ? 'Key generation' : 'The re-share'} failed: ${explainCeremonyError(e)} Nothing was stored or changed; start again.`;
}

/** What a finished ceremony shows: the address, and whether the change of generation is still pending or this device retired. */
export interface CeremonyResult {
  address?: string;
  pending: string | null;
  retired?: boolean;
}

/** What a finished re-share shows; throws when it ended with another address than the vault's. */
export function reshareResult(outcome: ReshareOutcome, address: string): CeremonyResult {
  if (outcome.kind === 'retired') return { pending: null, retired: true };
  if (outcome.kind === 'retiring') return { pending: describePending(outcome.vault) };
  if (address !== '0x' && outcome.vault.address !== address)
    throw new TandemError('reshare.otherKey', 'the re-share ended with another address', { details: { what: 'address' } });
  return { address: outcome.vault.address, pending: describePending(outcome.vault) };
}

/** One sentence for the user about why a ceremony stopped (never secrets). */
export function explainCeremonyError(e: unknown): string {
  if (e instanceof CeremonyTimeout) return `${e.message}.`;
  if (e instanceof CeremonyAbort) return `${e.message}${e.deviceId ? ` (device ${e.deviceId})` : ''}.`;
  const msg = e instanceof Error ? e.message : String(e);
  return `${msg.split('\n')[0]!.slice(0, 300)}.`;
}

/** What the marker of a ceremony in flight holds: what the popup showed, and how far it got. */
export type CeremonyMarker = Pick<CeremonyView, 'kind' | 'name' | 't' | 'n' | 'joiners'> & {
  /** The devices taking part (from the roster on). */
  joined?: string[];
  /** The ceremony's id (its relay room, no key): what a record it stored names as its `pending` or `settled` ceremony. */
  ceremony?: string;
  /** Every device confirmed: this device may have stored the change (pending). */
  confirmed?: boolean;
};

/** Where the active vault stands now (after a ceremony was cut off past its confirmation). */
export interface VaultStanding {
  /** No change is pending: the record holds one generation only. */
  complete: boolean;
  address: string;
  /** One line for people, e.g. "2 of 3 devices sign with generation 1" or the pending record's description. */
  line: string;
}

/**
 * Where `record` stands after ceremony `ceremony`, or null when the record is
 * not that ceremony's result (this device did not store it: the record is
 * another vault, or still the generation from before it).
 */
export function standingOf(record: DeviceVault, ceremony: string): VaultStanding | null {
  if (record.pending?.ceremony !== ceremony && record.settled?.ceremony !== ceremony) return null;
  const pending = describePending(record);
  const line = `${record.ecdsa.t} of ${record.members.length} devices sign with generation ${record.ecdsa.epoch}, same address`;
  return { complete: !pending, address: record.address, line: pending ?? line };
}

/** What the popup shows for a ceremony that a worker restart cut off, from its marker and where the vault stands now. */
export function viewAfterRestart(cut: CeremonyMarker, now: VaultStanding | null | undefined): CeremonyView {
  const { confirmed, joined, ceremony: _ceremony, ...what } = cut;
  const base = { ...what, pairing: '', link: '', thisDevice: '', joined: joined ?? [] };
  const during = cut.kind === 'reshare' ? 're-share' : 'key generation';
  if (!confirmed)
    return {
      ...base,
      status: 'failed',
      error: `Tandem was restarted by the browser during the ${during}. Nothing was stored or changed on this device; start again (the other devices give up by themselves).`,
    };
  // Past the confirmation this device may hold the change, pending: say where it stands (docs/generations.md).
  const cutOff = `Tandem was restarted by the browser at the end of the ${during}, after every device had confirmed the new shares.`;
  if (now?.complete)
    return {
      ...base,
      status: 'done',
      address: now.address,
      progress: `${cutOff} Every device said it saved its new share: the ${during} is complete, ${now.line}.`,
    };
  return {
    ...base,
    status: 'failed',
    error: now
      ? `${cutOff} Nothing is lost: ${now.line}. This browser finishes it by itself when a device that saved its share is reachable (on unlock, and before co-signing).`
      : `${cutOff} This browser did not store it; start again.`,
  };
}
