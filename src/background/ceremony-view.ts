/**
 * The popup's view of a ceremony run from the extension (ceremony-sessions.ts):
 * how it follows the ceremony's events, and what it says when the ceremony
 * fails or ends.
 */
import type { CeremonyEvent, ReshareOutcome } from '../session/ceremonies';
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
  if (address !== '0x' && outcome.vault.address !== address) throw new Error('the re-share ended with another address');
  return { address: outcome.vault.address, pending: describePending(outcome.vault) };
}

/** One sentence for the user about why a ceremony stopped (never secrets). */
export function explainCeremonyError(e: unknown): string {
  if (e instanceof CeremonyTimeout) return `${e.message}.`;
  if (e instanceof CeremonyAbort) return `${e.message}${e.deviceId ? ` (device ${e.deviceId})` : ''}.`;
  const msg = e instanceof Error ? e.message : String(e);
  return `${msg.split('\n')[0]!.slice(0, 300)}.`;
}
