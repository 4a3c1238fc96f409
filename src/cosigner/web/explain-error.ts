/** An error as one short line for the phone's screens. */
import { CeremonyTimeout } from '../../session/mailbox';
import { CeremonyAbort } from '../../session/run-protocol';

/** The first line of the error's message (at most 300 characters); an aborted ceremony names the device that aborted it. */
export function explain(e: unknown): string {
  if (e instanceof CeremonyTimeout) return e.message;
  if (e instanceof CeremonyAbort) return `${e.message}${e.deviceId ? ` (device ${e.deviceId})` : ''}`;
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.slice(0, 300);
}
