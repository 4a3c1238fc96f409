/**
 * The short abuse run (the full one is `npm run test:abuse`): against a real
 * relay process with default limits, in-memory store, each attack for 12
 * seconds (large-message flood, room-id guessing, connection flood,
 * slowloris, garbage frames) while an honest 2-of-2 signing goes through.
 * The relay stays up, every honest signing completes, and the relay's peak
 * RSS stays under the bound its limits imply (baseline + what four flooding
 * addresses may store + request bodies in flight, with room to spare).
 */
import { describe, expect, it } from 'vitest';
import { runAbuse } from './support/abuse.js';

const BOUND_MIB = 768;

describe('relay under attack (short)', () => {
  it('stays up, under its memory bound, and an honest signing completes during each attack', async () => {
    const report = await runAbuse({ store: 'memory', attackMs: 12_000, scale: 1 });
    for (const r of report.results) {
      expect({ attack: r.attack, alive: r.alive, signed: typeof r.signingMs }).toEqual({ attack: r.attack, alive: true, signed: 'number' });
    }
    expect(report.peakRssMiB).toBeLessThan(BOUND_MIB);
    // Slow-header sockets are dropped after headersTimeoutMs (10 s), well within the 12 s attack.
    expect(report.results.find((r) => r.attack.startsWith('slowloris'))!.sent).toBe(100);
  }, 600_000);
});
