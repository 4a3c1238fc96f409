/**
 * EdDSA benchmark rows: FROST(Ed25519, SHA-512) key generation and signing
 * (src/tss/frost) at the DKLs23 sizes, all parties in one process through the
 * in-memory driver. Signing uses the first t parties of a fresh key.
 */
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { FrostKeygen } from '../src/tss/frost/keygen.js';
import { FrostSign } from '../src/tss/frost/sign.js';
import type { FrostKeyShare } from '../src/tss/frost/share.js';
import { runToCompletion, type DriverReport } from '../src/tss/driver.js';
import { DKLS_SIZES } from './dkls.js';
import { row, sample, type BenchOptions, type BenchRow, type BenchSuite, type Sample } from './row.js';

const KEYGEN_RUNS = 5;
const SIGN_RUNS = 9;

export function frostKeygenOnce(t: number, n: number): DriverReport<FrostKeyShare> {
  const sid = randomBytes(32);
  const parties = Array.from({ length: n }, (_, i) => i + 1);
  return runToCompletion(parties.map((self) => new FrostKeygen({ sid, self, parties, threshold: t })));
}

function signOnce(shares: Map<number, FrostKeyShare>, t: number): DriverReport<Uint8Array> {
  const sid = randomBytes(32);
  const signers = [...shares.keys()].slice(0, t);
  const message = utf8ToBytes('bench: an Ed25519 transaction of typical size '.repeat(4));
  return runToCompletion(signers.map((id) => new FrostSign({ sid, share: shares.get(id)!, signers, message })));
}

/** Rows for FROST keygen and signing at every size of {@link DKLS_SIZES}. */
export const frostSuite: BenchSuite = {
  name: 'frost',
  rows(opts: BenchOptions): BenchRow[] {
    const rows: BenchRow[] = [];
    for (const [t, n] of DKLS_SIZES) {
      frostKeygenOnce(t, n); // warm-up
      const keygens: Sample[] = [];
      let shares: Map<number, FrostKeyShare> | null = null;
      for (let i = 0; i < (opts.runs || KEYGEN_RUNS); i++) {
        const { sample: s, report } = sample(() => frostKeygenOnce(t, n));
        keygens.push(s);
        shares ??= report.results;
      }
      rows.push(row('frost/keygen', t, n, keygens));
      signOnce(shares!, t); // warm-up
      const signs: Sample[] = [];
      for (let i = 0; i < (opts.runs || SIGN_RUNS); i++) signs.push(sample(() => signOnce(shares!, t)).sample);
      rows.push(row('frost/sign', t, n, signs));
      process.stderr.write(`  frost ${t}-of-${n}: keygen ${rows.at(-2)!.ms.toFixed(0)} ms, sign ${rows.at(-1)!.ms.toFixed(0)} ms\n`);
    }
    return rows;
  },
};
