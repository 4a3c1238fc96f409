/**
 * The command-line co-signer (`src/cosigner/cli.ts`) as a separate process
 * for the e2e tests: node with tsx's loader (one process, so stopping it
 * really stops it), its own TANDEM_HOME and password from the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VaultStore } from '../../src/cosigner/store';

const ROOT = resolve('.');
const LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLI = join(ROOT, 'src', 'cosigner', 'cli.ts');

/** A co-signer device: a home directory and a password. */
export class CosignerDevice {
  readonly home = mkdtempSync(join(tmpdir(), 'tandem-cosigner-'));
  private readonly running = new Set<CosignerRun>();

  constructor(readonly password = 'cosigner-e2e-password') {}

  /** Starts `tandem-cosigner <args>` (`env`: more environment, e.g. the test-only pause of src/cosigner/test-pause.ts). */
  run(args: string[], env: Record<string, string> = {}): CosignerRun {
    const r = new CosignerRun(args, { ...env, TANDEM_HOME: this.home, TANDEM_PASSWORD: this.password });
    this.running.add(r);
    return r;
  }

  /**
   * Starts `serve` under `policy` (written to a file in the home directory), with `args` more (e.g. `--rpc URL`);
   * resolves once it listens on the vault's channel.
   */
  async serve(policy: Record<string, unknown>, args: string[] = []): Promise<CosignerRun> {
    const path = join(this.home, 'policy.json');
    writeFileSync(path, JSON.stringify(policy));
    const serve = this.run(['serve', '--policy', path, ...args]);
    await serve.waitFor(/listening for signing requests/, 30_000);
    return serve;
  }

  /** What this device holds: `g<epoch>`, with `+<pending kind>` while a change is pending, or `-` for nothing. */
  async holding(): Promise<string> {
    const store = new VaultStore(this.home);
    const [id] = store.ids();
    if (!id) return '-';
    const v = await store.load(id, this.password);
    return `g${v.ecdsa.epoch}${v.pending ? `+${v.pending.kind}` : ''}`;
  }

  /** Stops every process and removes the home directory. */
  async dispose(): Promise<void> {
    await Promise.all([...this.running].map((r) => r.stop()));
    rmSync(this.home, { recursive: true, force: true });
  }
}

export class CosignerRun {
  readonly child: ChildProcess;
  output = '';
  private readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', LOADER, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, TANDEM_ROUND_TIMEOUT_MS: '', TANDEM_JOIN_TIMEOUT_MS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [this.child.stdout!, this.child.stderr!]) s.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((res) => this.child.once('exit', (code) => res(code)));
  }

  /** Waits until the output (from character `from` on) matches `re` (fails with the output on exit or timeout). */
  async waitFor(re: RegExp, timeoutMs = 60_000, from = 0): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.output.slice(from));
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`co-signer exited (${this.child.exitCode}) before ${re}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`co-signer: no ${re} within ${timeoutMs} ms: ${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves with the exit code. */
  exit(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
