/**
 * `npm run bench:compare -- <base-dir> [op] [t] [n] [runs]`: the same
 * in-process ceremony from another checkout of this repository (e.g.
 * `git archive <commit> src | tar -x -C /tmp/base`, with node_modules
 * linked) and from this one, interleaved run by run, so both see the same
 * machine load. Prints the median and minimum process CPU and the median
 * wall time of each. op: frost-sign | frost-keygen | dkls-sign | dkls-keygen.
 */
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { resolve } from 'node:path';
import { median } from './row.js';

type Run = () => unknown;

async function load(root: string, op: string, t: number, n: number): Promise<Run> {
  const driver = await import(`${root}/src/tss/driver.ts`);
  const parties = Array.from({ length: n }, (_, i) => i + 1);
  if (op.startsWith('frost')) {
    const { FrostKeygen } = await import(`${root}/src/tss/frost/keygen.ts`);
    const { FrostSign } = await import(`${root}/src/tss/frost/sign.ts`);
    const keygen = () => {
      const sid = randomBytes(32);
      return driver.runToCompletion(parties.map((self) => new FrostKeygen({ sid, self, parties, threshold: t }))).results;
    };
    if (op === 'frost-keygen') return keygen;
    const shares = keygen();
    const message = utf8ToBytes('bench: an Ed25519 transaction of typical size '.repeat(4));
    return () => {
      const sid = randomBytes(32);
      const signers = parties.slice(0, t);
      return driver.runToCompletion(signers.map((id) => new FrostSign({ sid, share: shares.get(id), signers, message })));
    };
  }
  const { DklsKeygen } = await import(`${root}/src/tss/dkls/keygen.ts`);
  const { DklsSign } = await import(`${root}/src/tss/dkls/sign.ts`);
  const keygen = () => {
    const sid = randomBytes(32);
    return driver.runToCompletion(parties.map((self) => new DklsKeygen({ sid, self, parties, t }))).results;
  };
  if (op === 'dkls-keygen') return keygen;
  const shares = keygen();
  return () => {
    const sid = randomBytes(32);
    const digest = randomBytes(32);
    const signers = parties.slice(0, t);
    return driver.runToCompletion(signers.map((id) => new DklsSign({ share: shares.get(id), signers, digest, sid })));
  };
}

async function main(): Promise<void> {
  const [baseDir, op = 'dkls-sign', t = '2', n = '3', runs = '9'] = process.argv.slice(2);
  if (!baseDir) throw new Error('usage: npm run bench:compare -- <base-dir> [op] [t] [n] [runs]');
  const roots = { base: resolve(baseDir), this: resolve(import.meta.dirname, '..') };
  const fns = { base: await load(roots.base, op, +t, +n), this: await load(roots.this, op, +t, +n) };
  fns.base(); // warm-up
  fns.this();
  const cpu = { base: [] as number[], this: [] as number[] };
  const wall = { base: [] as number[], this: [] as number[] };
  for (let i = 0; i < +runs; i++) {
    for (const k of ['base', 'this'] as const) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      fns[k]();
      wall[k].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000);
    }
  }
  const fmt = (k: 'base' | 'this') =>
    `${k}: cpu ms median ${median(cpu[k]).toFixed(1)} min ${Math.min(...cpu[k]).toFixed(1)}, wall median ${median(wall[k]).toFixed(1)}`;
  process.stdout.write(`${op} ${t}-of-${n}, ${runs} interleaved runs: ${fmt('base')} | ${fmt('this')}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
