/**
 * TEST ONLY — fault injection. When the environment variable
 * `TANDEM_TEST_PAUSE_AT` names a step of a ceremony, the co-signer prints
 * `test-pause: <step>` on standard output when it reaches that step and then
 * freezes (its whole process: no message, no heartbeat goes out), so that a
 * test can `kill -9` it at exactly that point (test/faults.integration.test.ts).
 * A frozen process that nobody kills exits with code 99 after two minutes.
 * Unset (always, outside tests), this does nothing.
 *
 * Steps: `roster` (before the first round is sent), `<protocol>:<k>` (the first
 * round-k message received, before this device answers it, e.g.
 * `dkls23/keygen:2`), `confirming`, `confirmed`, `stored`, `acked`,
 * `signing` (signing started, before its first round).
 */
import { writeSync } from 'node:fs';
import type { CeremonyEvent } from '../session/ceremonies.js';

const FREEZE_MS = 120_000;

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
  const rounds = new Map<string, number>();
  return (e) => {
    handler(e);
    if (stepOf(e, rounds) !== at) return;
    writeSync(1, `test-pause: ${at}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FREEZE_MS);
    process.exit(99);
  };
}
