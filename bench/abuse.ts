/**
 * `npm run test:abuse`: the full bounded abuse run against the real relay
 * (memory store, then Redis), default limits: each attack runs 20 s while an
 * honest 2-of-2 signing goes through; prints peak RSS and signing times.
 * Exits 1 if the relay died or an honest signing failed.
 */
import { loadavg } from 'node:os';
import { runAbuse } from '../test/support/abuse.js';

let failed = false;
for (const store of ['memory', 'redis'] as const) {
  console.log(`abuse: ${store} store, load ${loadavg()[0]!.toFixed(1)}`);
  const report = await runAbuse({ store, attackMs: 20_000, scale: 2, log: (s) => console.log(`  ${s}`) });
  console.log(`| attack | sent | honest signing ms | relay RSS max MiB | relay up |`);
  for (const r of report.results) {
    console.log(`| ${r.attack} | ${r.sent} | ${r.signingMs} | ${r.rssMiB} | ${r.alive} |`);
    if (!r.alive || typeof r.signingMs !== 'number') failed = true;
  }
  console.log(`peak RSS of the relay process (${store}): ${report.peakRssMiB} MiB`);
}
process.exit(failed ? 1 : 0);
