/**
 * Helpers for tests (ours and other engineers' end-to-end tests): a real
 * `redis-server` on a free loopback port with no persistence, and a relay
 * as a child process (`tsx src/relay/main.ts`). Both stop themselves when
 * asked and are killed if the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A free TCP port on 127.0.0.1 (free when asked; bind it soon). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts Debian's `redis-server` on a free loopback port, in a temp dir, without persistence. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.add(child);
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      children.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RelayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Lines the relay wrote to stderr. */
  stderr: string[];
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. */
  kill(): Promise<void>;
}

/**
 * Starts `tsx src/relay/main.ts` with the given flags and environment
 * (default `--port 0`) and resolves with its URL once it listens.
 */
export async function spawnRelayProcess(args: string[] = ['--port', '0'], env: Record<string, string> = {}): Promise<RelayProcess> {
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, join(ROOT, 'src/relay/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', RELAY_ALLOWED_ORIGINS: '', RELAY_LIMITS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`relay did not start: ${stderr.join('')}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /relay listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`relay exited with ${code}: ${stderr.join('')}`));
    });
  });
  const done = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited(child);
    children.delete(child);
  };
  return { url, port: Number(new URL(url).port), child, stderr, stop: () => done('SIGTERM'), kill: () => done('SIGKILL') };
}
