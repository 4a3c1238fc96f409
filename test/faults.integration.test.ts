/**
 * Fault injection with real processes on a real relay: for key generation,
 * signing and re-share (replace one device; 2-of-2 → 3-of-4; 2-of-3 → 2-of-2
 * with a device leaving), one `tandem-cosigner` process is frozen at a step
 * (each round in turn, just before and just after the confirmation) and
 * killed with SIGKILL there. For every case:
 *  - no vault is lost: afterwards the devices still sign with the old
 *    generation, or all hold and sign with the new one — checked by signing;
 *  - every survivor that did not finish names the killed device, within 5 s.
 * The matrix (case × outcome × seconds to report) is printed.
 *
 * `npm test` runs a reduced matrix; `npm run test:faults` (TANDEM_FAULTS=full)
 * the whole one; TANDEM_FAULTS_ONLY='<regexp>' only the cases whose
 * "<case> <victim> <step>" matches (e.g. 'c out b (stored|acked)').
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawnRelayProcess, type RelayProcess } from '../src/relay/testing.js';
import { killAll } from './support/cosigner-process.js';
import {
  cleanup,
  cli,
  holding,
  homesFor,
  matrixLine,
  reportTime,
  runCase,
  signCheck,
  tempHome,
  type CaseResult,
  type FaultCase,
} from './support/faults.js';

const FULL = process.env.TANDEM_FAULTS === 'full';
/** Seconds from the kill to a survivor's report. The suite asserts the requirement (5 s) plus, under `npm test` on a shared machine, slack. */
const REPORT_LIMIT_S = FULL ? 5 : 10;
const tmp: string[] = [];
let relay: RelayProcess;
let files = '';
let policy = '';
const base: Record<'a2' | 'b2' | 'a3' | 'b3' | 'c3', string> = { a2: '', b2: '', a3: '', b3: '', c3: '' };
const results: CaseResult[] = [];

const range = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}:${i + 1}`);
const KEYGEN_STEPS = ['roster', ...range('dkls23/keygen', 5), ...range('frost/keygen', 3), 'confirming', 'confirmed', 'stored', 'acked'];
const RESHARE_STEPS = ['roster', ...range('reshare/ecdsa', 5), 'confirming', 'confirmed', 'stored', 'acked'];
const LEAVER_STEPS = ['roster', 'reshare/ecdsa:1', 'stored'];
const SIGN_STEPS = ['signing', ...range('dkls23/sign', 3)];

function keygenCase(step: string): FaultCase {
  return {
    name: 'keygen 2-of-3',
    base: { a: null, b: null, c: null },
    initiator: { label: 'a', args: ['create', '--relay', relay.url, '--t', '2', '--n', '3', '--device-id', 'dev-a'] },
    joiners: [
      { label: 'b', args: ['join', '--device-id', 'dev-b'] },
      { label: 'c', args: ['join', '--device-id', 'dev-c'] },
    ],
    victim: 'c',
    step,
  };
}

function replaceCase(victim: 'b' | 'c', step: string): FaultCase {
  return {
    name: 'replace b by c',
    base: { a: base.a2, b: base.b2, c: null },
    initiator: { label: 'a', args: ['reshare', '--new-t', '2', '--joiners', '2'] },
    joiners: [
      { label: 'b', args: ['join', '--leaving'] },
      { label: 'c', args: ['join', '--device-id', 'dev-c'] },
    ],
    victim,
    step,
  };
}

function growCase(step: string): FaultCase {
  return {
    name: '2-of-2 -> 3-of-4',
    base: { a: base.a2, b: base.b2, c: null, d: null },
    initiator: { label: 'a', args: ['reshare', '--new-t', '3', '--joiners', '3'] },
    joiners: [
      { label: 'b', args: ['join'] },
      { label: 'c', args: ['join', '--device-id', 'dev-c'] },
      { label: 'd', args: ['join', '--device-id', 'dev-d'] },
    ],
    victim: 'd',
    step,
  };
}

function leaveCase(victim: 'b' | 'c', step: string): FaultCase {
  return {
    name: '2-of-3 -> 2-of-2, c out',
    base: { a: base.a3, b: base.b3, c: base.c3 },
    initiator: { label: 'a', args: ['reshare', '--new-t', '2', '--joiners', '2'] },
    joiners: [
      { label: 'b', args: ['join'] },
      { label: 'c', args: ['join', '--leaving'] },
    ],
    victim,
    step,
  };
}

function cases(): Array<{ c?: FaultCase; sign?: { victim: 'a' | 'b'; step: string } }> {
  if (!FULL) {
    return [
      { c: keygenCase('dkls23/keygen:2') },
      { sign: { victim: 'b', step: 'dkls23/sign:1' } },
      { c: replaceCase('c', 'roster') },
      { c: replaceCase('c', 'stored') },
    ];
  }
  return [
    ...KEYGEN_STEPS.map((s) => ({ c: keygenCase(s) })),
    ...SIGN_STEPS.flatMap((s) => [{ sign: { victim: 'b' as const, step: s } }, { sign: { victim: 'a' as const, step: s } }]),
    ...RESHARE_STEPS.map((s) => ({ c: replaceCase('c', s) })),
    ...LEAVER_STEPS.map((s) => ({ c: replaceCase('b', s) })),
    ...RESHARE_STEPS.map((s) => ({ c: growCase(s) })),
    ...LEAVER_STEPS.map((s) => ({ c: leaveCase('c', s) })),
    ...RESHARE_STEPS.map((s) => ({ c: leaveCase('b', s) })),
  ];
}

/** Key generation between fresh homes, all devices live: the base vaults the cases copy. */
async function baseVault(labels: string[], t: number): Promise<string[]> {
  const homes = labels.map(() => tempHome(tmp));
  const init = cli('base-init', homes[0]!, [
    'create',
    '--relay',
    relay.url,
    '--t',
    String(t),
    '--n',
    String(labels.length),
    '--device-id',
    `dev-${labels[0]!}`,
  ]);
  await init.waitFor(/^link: /m, 60_000);
  const pairing = /^pairing: (\S+)$/m.exec(init.stdout)![1]!;
  const joins = labels.slice(1).map((l, i) => cli(`base-${l}`, homes[i + 1]!, ['join', pairing, '--device-id', `dev-${l}`]));
  await Promise.all([init.ok(180_000), ...joins.map((j) => j.ok(180_000))]);
  return homes;
}

/** Signing: b serves once, a asks; the victim is frozen at `step` and killed. Then both sign again. */
async function signCase(victim: 'a' | 'b', step: string): Promise<CaseResult> {
  const homes = homesFor({ base: { a: base.a2, b: base.b2 } } as unknown as FaultCase, tmp);
  const reqFile = join(files, `sign-${victim}-${step.replace(/\W/g, '_')}.json`);
  writeFileSync(reqFile, JSON.stringify({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: '0x68656c6c6f' }));
  const env = (l: string): Record<string, string> => (l === victim ? { TANDEM_TEST_PAUSE_AT: step } : {});
  const b = cli('serve-b', homes.b!, ['serve', '--policy', policy, '--once'], env('b'));
  await b.waitFor(/^listening for signing requests$/m, 60_000);
  const a = cli('sign-a', homes.a!, ['sign', '--request', reqFile], env('a'));
  const procs = { a, b };
  const v = procs[victim];
  let paused = true;
  await v.waitFor(/^test-pause: /m, 120_000).catch(() => (paused = false));
  const killedAt = Date.now();
  v.kill('SIGKILL');
  const s = procs[victim === 'a' ? 'b' : 'a'];
  const reported = reportTime(s, `dev-${victim}`);
  const e = await s.exit(120_000);
  const at = reported.stop();
  const survivor = {
    label: victim === 'a' ? 'b' : 'a',
    code: e.code,
    seconds: ((at ?? Date.now()) - killedAt) / 1000,
    named: at !== null,
    output: (e.stderr.trim() || e.stdout.trim()).split('\n').slice(-1)[0]!.slice(0, 300),
  };
  const outcome = await signCheck(homes, 'a', policy, files);
  return { name: 'sign 2-of-2', victim, step, survivors: [survivor], holdings: { a: 'g0', b: 'g0' }, outcome, paused };
}

async function ceremonyCase(c: FaultCase): Promise<CaseResult> {
  const homes = homesFor(c, tmp);
  const r = await runCase(c, homes);
  const holdings: Record<string, string> = {};
  for (const [l, h] of Object.entries(homes)) holdings[l] = (await holding(h)).text;
  const anything = await Promise.all(Object.values(homes).map(holding));
  const outcome = anything.every((h) => h.text === '-') ? 'nothing stored' : await signCheck(homes, 'a', policy, files);
  const after: Record<string, string> = {};
  for (const [l, h] of Object.entries(homes)) after[l] = (await holding(h)).text;
  return {
    ...r,
    holdings: Object.fromEntries(
      Object.keys(homes).map((l) => [l, holdings[l] === after[l] ? holdings[l]! : `${holdings[l]}→${after[l]}`]),
    ),
    outcome,
  };
}

describe('fault injection: a co-signer process killed at each step', () => {
  beforeAll(async () => {
    files = tempHome(tmp);
    policy = join(files, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({ v: 1, chains: [31337], maxValueWei: '1', dailyLimitWei: '1', allowMessages: true, allowTypedData: true }),
    );
    relay = await spawnRelayProcess(['--port', '0'], {
      RELAY_LIMITS: JSON.stringify({ requestsPerSecond: 100_000, requestBurst: 100_000, maxConnectionsPerAddress: 1000 }),
    });
    [base.a2, base.b2] = (await baseVault(['a', 'b'], 2)) as [string, string];
    [base.a3, base.b3, base.c3] = (await baseVault(['a', 'b', 'c'], 2)) as [string, string, string];
  }, 600_000);

  afterAll(async () => {
    killAll();
    await relay?.stop();
    cleanup(tmp);
    console.log(`\nfault matrix (${results.length} cases):\n${results.map(matrixLine).join('\n')}\n`);
  }, 60_000);

  it(
    'no vault is lost and every survivor names the killed device in time',
    async () => {
      // TANDEM_FAULTS_ONLY (a regular expression over "<case> <victim> <step>") runs only the matching cases.
      const only = process.env.TANDEM_FAULTS_ONLY ? new RegExp(process.env.TANDEM_FAULTS_ONLY) : null;
      const label = (k: ReturnType<typeof cases>[number]) =>
        k.sign ? `sign 2-of-2 ${k.sign.victim} ${k.sign.step}` : `${k.c!.name} ${k.c!.victim} ${k.c!.step}`;
      for (const k of cases()) {
        if (only && !only.test(label(k))) continue;
        const r = k.sign ? await signCase(k.sign.victim, k.sign.step) : await ceremonyCase(k.c!);
        results.push(r);
        console.log(matrixLine(r));
      }
      for (const r of results) {
        // Checked by signing: the old generation or the new one signs (never "lost").
        expect([r.name, r.step, r.victim, r.outcome]).toEqual([
          r.name,
          r.step,
          r.victim,
          expect.stringMatching(/^(signs g\d|nothing stored)$/),
        ]);
        for (const s of r.survivors) {
          if (s.code === 0) continue; // it finished: nothing to report
          expect([r.name, r.step, s.label, s.code]).toEqual([r.name, r.step, s.label, expect.toSatisfy((c: number) => c === 1 || c === 4)]);
          expect([r.name, r.step, s.label, s.named, s.output]).toEqual([r.name, r.step, s.label, true, s.output]);
          expect([r.name, r.step, s.label, s.seconds]).toEqual([
            r.name,
            r.step,
            s.label,
            expect.toSatisfy((x: number) => x < REPORT_LIMIT_S),
          ]);
        }
      }
    },
    FULL ? 3_600_000 : 900_000,
  );
});
