/**
 * TEST ONLY: `tandem-cosigner` as separate OS processes. Each process is
 * node with tsx's loader running src/cosigner/cli.ts (one process, so a
 * SIGKILL really kills the co-signer), with its own TANDEM_HOME.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLI = join(ROOT, 'src', 'cosigner', 'cli.ts');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** One running `tandem-cosigner` command. */
export class Cosigner {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly done: Promise<Exit>;
  private watchers: Array<() => void> = [];

  constructor(
    readonly label: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', LOADER, CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, TANDEM_ROUND_TIMEOUT_MS: '', TANDEM_JOIN_TIMEOUT_MS: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      for (const w of this.watchers) w();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      for (const w of this.watchers) w();
    });
    this.done = new Promise((res) =>
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        // Let the pipes drain.
        setTimeout(() => {
          for (const w of this.watchers) w();
          res({ code, signal, stdout: this.stdout, stderr: this.stderr });
        }, 50);
      }),
    );
  }

  /** Waits until standard output matches `re`; fails with the output so far on timeout or exit. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((res, rej) => {
      let finished = false;
      const check = () => {
        if (finished) return;
        const m = re.exec(this.stdout);
        if (m) {
          finished = true;
          clearTimeout(timer);
          this.watchers = this.watchers.filter((w) => w !== check);
          res(m);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finished = true;
          clearTimeout(timer);
          rej(
            new Error(
              `${this.label} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${re}:\n${this.stdout}\n${this.stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finished = true;
        rej(new Error(`${this.label} did not print ${re} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`));
      }, timeoutMs);
      this.watchers.push(check);
      check();
    });
  }

  /** Waits for the process to exit (kills it after `timeoutMs`). */
  async exit(timeoutMs: number): Promise<Exit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, rej) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        rej(new Error(`${this.label} did not finish within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for a successful exit and returns standard output. */
  async ok(timeoutMs: number): Promise<string> {
    const e = await this.exit(timeoutMs);
    if (e.code !== 0) throw new Error(`${this.label} failed (${e.code ?? e.signal}):\n${e.stdout}\n${e.stderr}`);
    return e.stdout;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

/** Kills every co-signer process still running (test clean-up). */
export function killAll(): void {
  for (const c of running) c.kill('SIGKILL');
}

/** sha256 of every file under `home` (recursively), by relative path: to show nothing changed. */
export function snapshot(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(home, '');
  return out;
}
