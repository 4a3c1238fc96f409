/**
 * TEST ONLY — fault injection. When the environment variable
 * `TANDEM_TEST_PAUSE_AT` names a step of a ceremony, the co-signer prints
 * `test-pause: <step>` on standard output when it reaches that step and then
 * freezes (its whole process: no message, no heartbeat goes out), so that a
 * test can `kill -9` it at exactly that point (test/faults.integration.test.ts).
 * A frozen process that nobody kills exits with code 99 after two minutes.
 * With `TANDEM_TEST_PAUSE_UNTIL` naming a file, it instead goes on as soon as
 * that file exists (still frozen until then), so that a test can stop
 * another device at that point and watch this one carry on
 * (e2e/reshare-faults.spec.ts).
 * Unset (always, outside tests), this does nothing.
 *
 * Steps: `roster` (before the first round is sent), `<protocol>:<k>` (the first
 * round-k message received, before this device answers it, e.g.
 * `dkls23/keygen:2`), `confirming`, `confirmed`, `stored`, `acked`,
 * `signing` (signing started, before its first round).
 */
import { existsSync, writeSync } from 'node:fs';
import type { CeremonyEvent } from '../session/ceremonies.js';

const FREEZE_MS = 120_000;
/** How often a frozen process looks for the file that lets it go on. */
const POLL_MS = 20;

/** Blocks the whole process (no timer, no socket runs) until `until` exists or the freeze is over; true if it may go on. */
function freeze(until: string | undefined): boolean {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  if (!until) {
    Atomics.wait(cell, 0, 0, FREEZE_MS);
    return false;
  }
  const end = Date.now() + FREEZE_MS;
  while (Date.now() < end) {
    if (existsSync(until)) return true;
    Atomics.wait(cell, 0, 0, POLL_MS);
  }
  return false;
}

/** The step an event stands for, given the rounds seen so far per protocol. */
function stepOf(e: CeremonyEvent, rounds: Map<string, number>): string | null {
  if (e.kind !== 'progress') return e.kind;
  const all = Object.values(e.detail.rounds);
  const max = all.length ? Math.max(...all) : 0;
  const name = e.detail.protocol.replace(/\/v\d+$/, '');
  if (max <= (rounds.get(name) ?? 0)) return null;
  rounds.set(name, max);
  return `${name}:${max}`;
}

/** Wraps an event handler with the pause (a no-op unless TANDEM_TEST_PAUSE_AT is set). */
export function withTestPause<E extends CeremonyEvent>(handler: (e: E) => void): (e: E) => void {
  const at = process.env.TANDEM_TEST_PAUSE_AT;
  if (!at) return handler;
  const until = process.env.TANDEM_TEST_PAUSE_UNTIL || undefined;
  const rounds = new Map<string, number>();
  let paused = false;
  return (e) => {
    handler(e);
    if (paused || stepOf(e, rounds) !== at) return;
    paused = true;
    writeSync(1, `test-pause: ${at}\n`);
    if (!freeze(until)) process.exit(99);
    writeSync(1, `test-resume: ${at}\n`);
  };
}
