/**
 * Re-share benchmark rows, for both curves: 2-of-2 -> 3-of-4 (grow a vault),
 * 2-of-3 -> 2-of-3 replacing device 3 by device 4 (lost phone) and 2-of-3 ->
 * 3-of-4 (a fourth device; device 3 keeps its share but is not needed), all
 * participants in one process through the in-memory driver. Rows carry the
 * NEW (t, n); the op names the old one. Bytes and CPU are means over the
 * participants (old quorum and new parties). ECDSA includes the fresh OT
 * set-up among new parties, which dominates its cost.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { runToCompletion, type DriverReport } from '../src/tss/driver.js';
import type { FrostKeyShare } from '../src/tss/frost/share.js';
import { frostPublicInfo } from '../src/tss/frost/share.js';
import { EcdsaReshare, ecdsaPublicInfo } from '../src/tss/reshare/ecdsa.js';
import { FrostReshare } from '../src/tss/reshare/eddsa.js';
import type { Retired } from '../src/tss/reshare/protocol.js';
import type { KeyShare } from '../src/tss/share.js';
import { dklsKeygenOnce } from './dkls.js';
import { frostKeygenOnce } from './frost.js';
import { row, sample, type BenchOptions, type BenchRow, type BenchSuite, type Sample } from './row.js';

const EDDSA_RUNS = 5;
const ECDSA_RUNS = 2;

interface Plan {
  label: string;
  t: number;
  n: number;
  quorum: number[];
  newParties: number[];
  tNew: number;
}

const PLANS: Plan[] = [
  { label: '2-of-2->3-of-4', t: 2, n: 2, quorum: [1, 2], newParties: [1, 2, 3, 4], tNew: 3 },
  { label: '2-of-3->2-of-3 (replace 3 by 4)', t: 2, n: 3, quorum: [1, 2], newParties: [1, 2, 4], tNew: 2 },
  { label: '2-of-3->3-of-4', t: 2, n: 3, quorum: [1, 2], newParties: [1, 2, 3, 4], tNew: 3 },
];

const participants = (p: Plan) => [...new Set([...p.quorum, ...p.newParties])];

function eddsaOnce(p: Plan, old: Map<number, FrostKeyShare>): DriverReport<FrostKeyShare | Retired> {
  const sid = randomBytes(32);
  const info = frostPublicInfo(old.get(1)!);
  return runToCompletion(
    participants(p).map(
      (self) =>
        new FrostReshare({
          sid,
          self,
          old: p.quorum.includes(self) ? old.get(self)! : info,
          quorum: p.quorum,
          newParties: p.newParties,
          newThreshold: p.tNew,
        }),
    ),
  );
}

function ecdsaOnce(p: Plan, old: Map<number, KeyShare>): DriverReport<KeyShare | Retired> {
  const sid = randomBytes(32);
  const info = ecdsaPublicInfo(old.get(1)!);
  return runToCompletion(
    participants(p).map(
      (self) =>
        new EcdsaReshare({
          sid,
          self,
          old: p.quorum.includes(self) ? old.get(self)! : info,
          quorum: p.quorum,
          newParties: p.newParties,
          newThreshold: p.tNew,
        }),
    ),
  );
}

/** Rows for EdDSA and ECDSA re-share in the {@link PLANS} scenarios. */
export const reshareSuite: BenchSuite = {
  name: 'reshare',
  rows(opts: BenchOptions): BenchRow[] {
    const rows: BenchRow[] = [];
    for (const p of PLANS) {
      const frostOld = frostKeygenOnce(p.t, p.n).results;
      eddsaOnce(p, frostOld); // warm-up
      const ed: Sample[] = [];
      for (let i = 0; i < (opts.runs || EDDSA_RUNS); i++) ed.push(sample(() => eddsaOnce(p, frostOld)).sample);
      rows.push(row(`reshare/eddsa ${p.label}`, p.tNew, p.newParties.length, ed));
      process.stderr.write(`  reshare/eddsa ${p.label}: ${rows.at(-1)!.ms.toFixed(0)} ms\n`);

      const dklsOld = dklsKeygenOnce(p.t, p.n).results;
      const ec: Sample[] = [];
      for (let i = 0; i < (opts.runs || ECDSA_RUNS); i++) {
        ec.push(sample(() => ecdsaOnce(p, dklsOld)).sample);
        process.stderr.write(`  reshare/ecdsa ${p.label} run ${i + 1}: ${ec.at(-1)!.ms.toFixed(0)} ms\n`);
      }
      rows.push(row(`reshare/ecdsa ${p.label}`, p.tNew, p.newParties.length, ec));
    }
    return rows;
  },
};
