/**
 * `npx tsx bench/profile-sign.ts [op] [t] [n] [runs]`: CPU profile of in-process
 * signing (op: dkls-sign | frost-sign), keygen excluded. Prints self time per
 * function (ms per signature, all parties together) and writes the raw profile
 * to /tmp/sign.cpuprofile for DevTools.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { runToCompletion } from '../src/tss/driver.js';
import { DklsKeygen } from '../src/tss/dkls/keygen.js';
import { DklsSign } from '../src/tss/dkls/sign.js';
import { FrostKeygen } from '../src/tss/frost/keygen.js';
import { FrostSign } from '../src/tss/frost/sign.js';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [op = 'dkls-sign', tS = '2', nS = '3', runsS = '60'] = process.argv.slice(2);
const t = +tS;
const n = +nS;
const runs = +runsS;
const parties = Array.from({ length: n }, (_, i) => i + 1);
const signers = parties.slice(0, t);

let signOnce: () => unknown;
if (op === 'frost-sign') {
  const sid = randomBytes(32);
  const shares = runToCompletion(parties.map((self) => new FrostKeygen({ sid, self, parties, threshold: t }))).results;
  const message = utf8ToBytes('bench: an Ed25519 transaction of typical size '.repeat(4));
  signOnce = () => {
    const sid = randomBytes(32);
    return runToCompletion(signers.map((id) => new FrostSign({ sid, share: shares.get(id)!, signers, message })));
  };
} else {
  const sid = randomBytes(32);
  const shares = runToCompletion(parties.map((self) => new DklsKeygen({ sid, self, parties, t }))).results;
  signOnce = () => {
    const digest = randomBytes(32);
    const sid = randomBytes(32);
    return runToCompletion(signers.map((id) => new DklsSign({ share: shares.get(id)!, signers, digest, sid })));
  };
}
for (let i = 0; i < 10; i++) signOnce(); // warm-up

const session = new Session();
session.connect();
const post = <T>(method: string, params?: object): Promise<T> =>
  new Promise((res, rej) => session.post(method, params ?? {}, (e, r) => (e ? rej(e) : res(r as T))));

await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 50 });
await post('Profiler.start');
const c0 = process.cpuUsage();
for (let i = 0; i < runs; i++) signOnce();
const c = process.cpuUsage(c0);
const { profile } = await post<{ profile: Profile }>('Profiler.stop');
writeFileSync('/tmp/sign.cpuprofile', JSON.stringify(profile));

const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]));
const self = new Map<string, number>();
profile.samples.forEach((id, k) => {
  const nd = byId.get(id)!;
  const f = nd.callFrame;
  const file = f.url.replace(/^.*\/(node_modules|src)\//, '$1/');
  const key = `${f.functionName || '(anon)'} ${file}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[k]! / 1000);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
process.stdout.write(
  `${op} ${t}-of-${n}: ${runs} runs, cpu ${((c.user + c.system) / 1000 / runs).toFixed(2)} ms/sign, sampled ${(total / runs).toFixed(2)} ms/sign\n`,
);
for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, +(process.env.TOP ?? 40))) {
  process.stdout.write(`${(v / runs).toFixed(3).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
}

// Where the time goes: the leaf's kind (by its library stack) × the nearest engine function (src/tss) calling it.
const parent = new Map<number, number>();
for (const nd of profile.nodes) for (const ch of nd.children ?? []) parent.set(ch, nd.id);
const stackOf = (id: number): Node[] => {
  const st: Node[] = [];
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) st.push(byId.get(cur)!);
  return st; // leaf first
};
const kindOf = (st: Node[]): string => {
  const leaf = st[0]!.callFrame;
  if (leaf.functionName === '(garbage collector)') return 'GC';
  if (/^(bytesToHex|hexToBytes|decodeLowerHex|parseHex|readHex|readHexArray)$/.test(leaf.functionName)) return 'encoding (hex)';
  if (leaf.url.endsWith('/driver.ts')) return 'driver (JSON round trip)';
  if (leaf.url.endsWith('/ot/scalar.ts') || leaf.url.endsWith('/tss/scalar.ts')) return 'bigint conversions, mod q';
  const libs = st.map((nd) => nd.callFrame.url).filter((u) => u.includes('node_modules/@noble'));
  if (libs.some((u) => /weierstrass|curve\.js|edwards|ed25519|secp256k1|frost/.test(u))) return 'curve (points)';
  if (libs.some((u) => /modular/.test(u))) return 'scalar field (noble Fn)';
  if (libs.some((u) => /@noble\/hashes/.test(u))) return 'SHA-256 (noble)';
  if (leaf.url.includes('/src/') || leaf.url.includes('/bench/')) return 'engine code (RVOLE/OTE loops, bigint arithmetic, rounds)';
  return `other (${leaf.functionName || leaf.url || 'native'})`;
};
const siteOf = (st: Node[]): string => {
  for (const nd of st)
    if (nd.callFrame.url.includes('/src/tss/'))
      return `${nd.callFrame.functionName || '(anon)'} ${nd.callFrame.url.replace(/^.*\/src\/tss\//, '')}`;
  return '(outside engine)';
};
const cells = new Map<string, number>();
const kinds = new Map<string, number>();
profile.samples.forEach((id, k) => {
  const st = stackOf(id);
  const key = `${kindOf(st).padEnd(26)} ${siteOf(st)}`;
  cells.set(key, (cells.get(key) ?? 0) + profile.timeDeltas[k]! / 1000);
  kinds.set(kindOf(st), (kinds.get(kindOf(st)) ?? 0) + profile.timeDeltas[k]! / 1000);
});
process.stdout.write('\n-- by kind --\n');
for (const [k, v] of [...kinds.entries()].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`${(v / runs).toFixed(3).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
}
process.stdout.write('\n-- kind × engine site --\n');
for (const [k, v] of [...cells.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45)) {
  process.stdout.write(`${(v / runs).toFixed(3).padStart(8)} ms  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
}
