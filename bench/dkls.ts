/**
 * DKLs23 benchmark rows: key generation and signing at (2,2), (2,3), (3,4),
 * (4,5), all parties in one process through the in-memory driver (src/tss/
 * driver.ts). Signing uses the first t parties of a freshly generated key.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { DklsKeygen } from '../src/tss/dkls/keygen.js';
import { DklsSign } from '../src/tss/dkls/sign.js';
import { runToCompletion, type DriverReport } from '../src/tss/driver.js';
import type { KeyShare } from '../src/tss/share.js';
import { relayByteRows, row, sample, type BenchOptions, type BenchRow, type BenchSuite, type Sample } from './row.js';

export const DKLS_SIZES: readonly [number, number][] = [
  [2, 2],
  [2, 3],
  [3, 4],
  [4, 5],
];

const KEYGEN_RUNS = 5;
const SIGN_RUNS = 9;

export function dklsKeygenOnce(t: number, n: number): DriverReport<KeyShare> {
  const sid = randomBytes(32);
  const parties = Array.from({ length: n }, (_, i) => i + 1);
  return runToCompletion(parties.map((self) => new DklsKeygen({ sid, self, parties, t })));
}

function signOnce(shares: Map<number, KeyShare>, t: number): DriverReport<unknown> {
  const sid = randomBytes(32);
  const digest = randomBytes(32);
  const signers = [...shares.keys()].slice(0, t);
  return runToCompletion(signers.map((id) => new DklsSign({ share: shares.get(id)!, signers, digest, sid })));
}

/** Rows for DKLs23 keygen and signing at every size of {@link DKLS_SIZES}. */
export const dklsSuite: BenchSuite = {
  name: 'dkls23',
  rows(opts: BenchOptions): BenchRow[] {
    const rows: BenchRow[] = [];
    for (const [t, n] of DKLS_SIZES) {
      const keygens: Sample[] = [];
      let shares: Map<number, KeyShare> | null = null;
      for (let i = 0; i < (opts.runs || KEYGEN_RUNS); i++) {
        const { sample: s, report } = sample(() => dklsKeygenOnce(t, n));
        keygens.push(s);
        shares ??= report.results;
        process.stderr.write(`  dkls23/keygen ${t}-of-${n} run ${i + 1}: ${s.ms.toFixed(0)} ms\n`);
      }
      rows.push(row('dkls23/keygen', t, n, keygens));
      const warm = signOnce(shares!, t); // warm-up (JIT, precomputed tables)
      const signs: Sample[] = [];
      for (let i = 0; i < (opts.runs || SIGN_RUNS); i++) signs.push(sample(() => signOnce(shares!, t)).sample);
      const signRow = row('dkls23/sign', t, n, signs);
      rows.push(signRow, ...relayByteRows('dkls23/sign', signRow, warm));
    }
    return rows;
  },
};
