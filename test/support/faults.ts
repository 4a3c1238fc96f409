/**
 * TEST ONLY: the fault-injection matrix (test/faults.integration.test.ts).
 * Each case runs a ceremony between `tandem-cosigner` processes on a real
 * relay, freezes one of them at a step (TANDEM_TEST_PAUSE_AT, see
 * src/cosigner/test-pause.ts), kills it with SIGKILL there, and records
 * what the survivors say and when; then it checks by signing that the vault
 * still signs (with the old generation, or with the new one everywhere).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyMessage, hexlify, toUtf8Bytes } from 'ethers';
import { VaultStore } from '../../src/cosigner/store.js';
import { Cosigner, type Exit } from './cosigner-process.js';

export const PASSWORD = 'faults-password';

export type Role = { label: string; args: (pairing: string) => string[]; initiator?: boolean };

export interface FaultCase {
  name: string;
  /** The devices' homes are copies of these (label → base home), or fresh. */
  base: Record<string, string | null>;
  /** The initiator's command (prints the pairing) and each joiner's. */
  initiator: { label: string; args: string[] };
  joiners: Array<{ label: string; args: string[] }>;
  victim: string;
  step: string;
}

export interface CaseResult {
  name: string;
  victim: string;
  step: string;
  /** Per survivor: exit code and seconds from the kill to its exit. */
  survivors: Array<{ label: string; code: number | null; seconds: number; named: boolean; output: string }>;
  /** What each device holds afterwards: generation and state, or `-`. */
  holdings: Record<string, string>;
  outcome: string;
  paused: boolean;
}

export function tempHome(tmp: string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'tandem-faults-'));
  tmp.push(d);
  return d;
}

export function cli(label: string, home: string, args: string[], extra: Record<string, string> = {}): Cosigner {
  return new Cosigner(label, args, { TANDEM_HOME: home, TANDEM_PASSWORD: PASSWORD, ...extra });
}

async function pairingOf(initiator: Cosigner): Promise<string> {
  await initiator.waitFor(/^link: /m, 60_000);
  return /^pairing: (\S+)$/m.exec(initiator.stdout)![1]!;
}

/** What a device holds: `g<epoch>` with `+pending <kind>` / `-` when it holds nothing. */
export async function holding(home: string): Promise<{ text: string; epoch?: number; address?: string; pending?: string }> {
  const store = new VaultStore(home);
  const ids = store.ids();
  if (ids.length === 0) return { text: '-' };
  const v = await store.load(ids[0]!, PASSWORD);
  const text = `g${v.ecdsa.epoch}${v.pending ? `+${v.pending.kind}${v.pending.next ? `(g${v.pending.next.ecdsa.epoch})` : ''}` : ''}`;
  return { text, epoch: v.ecdsa.epoch, address: v.address, ...(v.pending ? { pending: v.pending.kind } : {}) };
}

/**
 * Checks by signing: every device holding a record serves once under a
 * policy, `requester` signs a message; returns the generation that signed.
 */
export async function signCheck(homes: Record<string, string>, requester: string, policyFile: string, files: string): Promise<string> {
  const msg = `fault check ${Math.random()}`;
  const reqFile = join(files, `msg-${Date.now()}-${Math.floor(Math.random() * 1e6)}.json`);
  writeFileSync(reqFile, JSON.stringify({ v: 1, kind: 'personal_sign', chainId: 31337, path: [], message: hexlify(toUtf8Bytes(msg)) }));
  const servers: Cosigner[] = [];
  for (const [label, home] of Object.entries(homes)) {
    if (label === requester || (await holding(home)).text === '-') continue;
    const s = cli(`serve-${label}`, home, ['serve', '--policy', policyFile, '--once']);
    servers.push(s);
  }
  try {
    // A leaving device that finishes its retirement on start (every new device stored its share) has nothing to serve.
    await Promise.all(
      servers.map((s) =>
        s.waitFor(/^listening for signing requests$/m, 60_000).catch((e: unknown) => {
          if (!/^retired: /m.test(s.stdout)) throw e;
        }),
      ),
    );
    const signer = cli(`sign-${requester}`, homes[requester]!, ['sign', '--request', reqFile, '--join-timeout', '30']);
    const out = await signer.exit(90_000);
    if (out.code !== 0) {
      const said = servers.map((s) => `${s.label}: ${s.stdout.trim().split('\n').slice(-3).join(' / ')}`).join('; ');
      return `sign failed: ${(out.stderr || out.stdout).trim().split('\n').pop()} [${said}]`;
    }
    const sig = /^signature: (\{.*\})$/m.exec(out.stdout);
    const h = await holding(homes[requester]!);
    if (!sig || verifyMessage(msg, (JSON.parse(sig[1]!) as { serialized: string }).serialized) !== h.address) return 'bad signature';
    return `signs g${h.epoch}`;
  } finally {
    for (const s of servers) s.kill();
    await Promise.all(servers.map((s) => s.exit(10_000).catch(() => undefined)));
  }
}

/** Runs one ceremony case: start, freeze the victim at `step`, kill it, watch the survivors. */
export async function runCase(c: FaultCase, homes: Record<string, string>): Promise<Omit<CaseResult, 'holdings' | 'outcome'>> {
  const env = (label: string): Record<string, string> => (label === c.victim ? { TANDEM_TEST_PAUSE_AT: c.step } : {});
  const init = cli(c.initiator.label, homes[c.initiator.label]!, c.initiator.args, env(c.initiator.label));
  const procs: Record<string, Cosigner> = { [c.initiator.label]: init };
  try {
    const pairing = await pairingOf(init);
    for (const j of c.joiners) procs[j.label] = cli(j.label, homes[j.label]!, [j.args[0]!, pairing, ...j.args.slice(1)], env(j.label));
    const victim = procs[c.victim]!;
    let paused = true;
    try {
      await victim.waitFor(/^test-pause: /m, 180_000);
    } catch {
      paused = false;
    }
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    const survivors = await Promise.all(
      Object.entries(procs)
        .filter(([l]) => l !== c.victim)
        .map(async ([label, p]) => {
          const reported = reportTime(p, `dev-${c.victim}`);
          const e: Exit = await p.exit(120_000).catch((err: unknown) => ({ code: -1, signal: null, stdout: String(err), stderr: '' }));
          const at = reported.stop();
          return {
            label,
            code: e.code,
            seconds: ((at ?? Date.now()) - killedAt) / 1000,
            named: at !== null,
            output: (e.stderr.trim() || e.stdout.trim()).split('\n').slice(-2).join(' | ').slice(0, 300),
          };
        }),
    );
    return { name: c.name, victim: c.victim, step: c.step, survivors, paused };
  } finally {
    for (const p of Object.values(procs)) p.kill();
  }
}

/**
 * When `p` first says something naming `device` from now on (the time of
 * its report, not of its exit): `stop()` returns it, or null if it never did.
 */
export function reportTime(p: Cosigner, device: string): { stop: () => number | null } {
  const from = { out: p.stdout.length, err: p.stderr.length };
  const re = new RegExp(`${device}\\b`);
  let at: number | null = null;
  const timer = setInterval(() => {
    if (at === null && re.test(p.stdout.slice(from.out) + p.stderr.slice(from.err))) at = Date.now();
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      if (at === null && re.test(p.stdout.slice(from.out) + p.stderr.slice(from.err))) at = Date.now();
      return at;
    },
  };
}

/** Fresh copies of the base homes for one case. */
export function homesFor(c: FaultCase, tmp: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [label, base] of Object.entries(c.base)) {
    const h = tempHome(tmp);
    if (base) cpSync(base, h, { recursive: true });
    out[label] = h;
  }
  return out;
}

export function cleanup(dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** One line of the printed matrix. */
export function matrixLine(r: CaseResult): string {
  const surv = r.survivors.map(
    (s) =>
      `${s.label}:${s.code === 0 ? 'ok' : s.code === 4 ? 'pending' : `exit ${s.code}`}${s.code !== 0 ? ` ${s.seconds.toFixed(1)}s${s.named ? '' : ' (not named!)'}` : ''}`,
  );
  const held = Object.entries(r.holdings)
    .map(([l, h]) => `${l}=${h}`)
    .join(' ');
  return `${r.name.padEnd(22)} kill ${r.victim.padEnd(3)} at ${r.step.padEnd(18)}${r.paused ? '' : ' (step not reached)'} | ${surv.join(', ').padEnd(44)} | ${held.padEnd(34)} | ${r.outcome}`;
}
