/**
 * Progress lines printed while a ceremony runs: who joined, the roster,
 * rounds completed, confirmation, signing requests and answers. Never
 * prints anything secret (events carry device ids, rounds and public data).
 */
import type { CeremonyEvent } from '../session/ceremonies.js';

export type Print = (line: string) => void;

/** A printer for one ceremony; `expected` is the number of devices when known. */
export function progressPrinter(print: Print, expected?: number): (e: CeremonyEvent) => void {
  let joined = 1;
  const roundsDone = new Map<string, number>();
  return (e) => {
    switch (e.kind) {
      case 'joined':
        joined++;
        print(`joined: ${e.deviceId}${expected ? ` (${joined}/${expected} devices)` : ''}`);
        return;
      case 'roster':
        print(`roster: ${e.members.map((m) => `${m.party}=${m.deviceId}`).join(' ')}`);
        return;
      case 'progress': {
        const rounds = Object.values(e.detail.rounds);
        const all = rounds.length ? Math.min(...rounds) : 0;
        if (all > (roundsDone.get(e.detail.protocol) ?? 0)) {
          roundsDone.set(e.detail.protocol, all);
          print(`round: ${e.detail.protocol.replace(/\/v\d+$/, '')} round ${all} received from every device`); // wire version not shown
        }
        return;
      }
      case 'ignored':
        print(`ignored: a ${e.detail.what} claiming to be from ${e.detail.from} failed ${e.detail.check}`);
        return;
      case 'confirmed':
        print('confirmed: every device ended with the same keys');
        return;
      case 'stored':
        print('stored: the new generation is saved on this device (pending until every device has saved its own)');
        return;
      case 'complete':
        print('complete: every device saved the new generation');
        return;
      case 'pending':
        print(
          `pending: ${e.missing.join(', ')} did not say they saved the new generation${e.reason ? ` (${e.reason})` : ''}; this device keeps the previous one`,
        );
        return;
      case 'request':
        print(`request from ${e.from}:`);
        for (const l of e.lines) for (const part of l.split('\n')) print(`  ${part}`);
        return;
      case 'answer':
        print(e.accepted ? `answer: ${e.deviceId} approved` : `answer: ${e.deviceId} refused: ${e.reason ?? ''}`);
        return;
      case 'signing':
        print(`signing: parties ${e.signers.join(', ')}`);
        return;
      case 'signed':
        print('signed');
        return;
    }
  };
}
