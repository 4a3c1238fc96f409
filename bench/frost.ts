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
import { median, type BenchOptions, type BenchRow, type BenchSuite } from './row.js';

const KEYGEN_RUNS = 5;
const SIGN_RUNS = 9;

export interface Sample {
  ms: number;
  msPerParty: number;
  bytesPerParty: number;
}

/** Times one driver run; CPU and bytes are means over the parties that took part. */
export function sample<R>(run: () => DriverReport<R>): { sample: Sample; report: DriverReport<R> } {
  const t0 = performance.now();
  const report = run();
  const ms = performance.now() - t0;
  const cpu = [...report.cpuMs.values()];
  const bytes = [...report.bytesSent.values()];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { sample: { ms, msPerParty: mean(cpu), bytesPerParty: mean(bytes) }, report };
}

export function row(op: string, t: number, n: number, samples: Sample[]): BenchRow {
  return {
    op,
    t,
    n,
    ms: median(samples.map((s) => s.ms)),
    msPerParty: median(samples.map((s) => s.msPerParty)),
    bytesPerParty: Math.round(median(samples.map((s) => s.bytesPerParty))),
    runs: samples.length,
  };
}

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
