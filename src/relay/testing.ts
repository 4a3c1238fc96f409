/**
 * Helpers for tests (ours and other engineers' end-to-end tests): a real
 * `redis-server` on a free loopback port with no persistence, and a relay
 * as a child process (`tsx src/relay/main.ts`). Both stop themselves when
 * asked and are killed if the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { roomTarget } from './auth.js';
import { ROOM_AUTH_SCHEME, roomAuthMessage, roomKeyOf, signRoomRequest } from './wire.js';

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
  /** SIGKILL and wait: a crash (without persistence, everything is lost). */
  kill(): Promise<void>;
}

/** Starts Debian's `redis-server` on a free loopback port (or `port`), in a temp dir, without persistence. */
export async function startRedisServer(opts: { port?: number } = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'tandem-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
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
    async kill() {
      child.kill('SIGKILL');
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
  // One process (node with tsx's loader), not the tsx CLI, which runs the script in a
  // second process that a SIGKILL would orphan.
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', loader, join(ROOT, 'src/relay/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', RELAY_ALLOWED_ORIGINS: '', RELAY_LIMITS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`relay did not start: ${stderr.join('')}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /relay listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
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

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read any field of a parsed answer
  json: any;
}

/** Options of {@link httpRequest}; `key`: a session key to sign the request with (its room capability). */
export interface HttpOptions {
  method?: string;
  body?: string | Buffer | undefined;
  headers?: Record<string, string>;
  localAddress?: string | undefined;
  key?: Uint8Array | undefined;
}

/**
 * The `Authorization` header of a room request signed with `sessionKey`'s
 * room key (see wire.ts). Signs with Node's Ed25519 (deterministic: the same
 * signature as the clients' @noble/curves), fast enough for load tests.
 */
export function roomAuthHeader(sessionKey: Uint8Array, method: 'GET' | 'POST', url: string, body: string | Buffer = ''): string {
  const target = roomTarget(url.replace(/^https?:\/\/[^/]+/, ''));
  const key = roomKeyOf(sessionKey);
  const ts = Date.now();
  const nonce = randomBytes(16).toString('hex');
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), key.seed]);
  const sig = sign(null, roomAuthMessage(method, target, body, ts, nonce), createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  return `${ROOM_AUTH_SCHEME} 1.${Buffer.from(key.verifier).toString('hex')}.${ts}.${nonce}.${sig.toString('hex')}`;
}

/** A `ws://` URL for `/v1/rooms/:sid/ws?query` signed with `sessionKey`'s room key. */
export function signedWsUrl(url: string, sessionKey: Uint8Array): string {
  const ws = url.replace(/^http/, 'ws');
  const target = roomTarget(ws.replace(/^wss?:\/\/[^/]+/, ''));
  return `${ws}&auth=${signRoomRequest(roomKeyOf(sessionKey), 'WS', target, '', Date.now())}`;
}

/**
 * A raw HTTP request (no fetch, so that tests can send malformed bodies, set
 * Origin, and pick the client's loopback address with `localAddress`).
 */
export async function httpRequest(url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const { request } = await import('node:http');
  if (opts.key) {
    const method = opts.method === 'POST' ? 'POST' : 'GET';
    opts = { ...opts, headers: { Authorization: roomAuthHeader(opts.key, method, url, opts.body ?? ''), ...opts.headers } };
  }
  return new Promise((res, rej) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress, agent: false },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          res({ status: r.statusCode ?? 0, headers: r.headers, text, json });
        });
        r.on('error', rej);
      },
    );
    req.on('error', rej);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** POST a JSON value (or raw text) with `httpRequest`. */
export function postJson(
  url: string,
  body: unknown,
  opts: { headers?: Record<string, string>; localAddress?: string; raw?: boolean; key?: Uint8Array } = {},
): Promise<HttpAnswer> {
  return httpRequest(url, {
    method: 'POST',
    body: opts.raw ? (body as string) : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...opts.headers },
    localAddress: opts.localAddress,
    key: opts.key,
  });
}

/** What a tapped WebSocket saw, and handles to disturb it. */
export interface WebSocketTap {
  /** Every frame sent and received, as text, in order. */
  frames: string[];
  /** The sockets created so far (one per (re)connection). */
  sockets: TappedSocket[];
}

export interface TappedSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  /** Delivers `frame` to the client as if the relay had sent it. */
  inject(frame: unknown): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/**
 * A WebSocket class for `RelayClient` (Node, over `ws`) that records every
 * frame, can deliver every pushed message twice (`duplicate`: the
 * at-least-once worst case) and can inject frames.
 */
export function tapWebSocket(opts: { duplicate?: boolean } = {}): { WebSocket: new (url: string) => TappedSocket; tap: WebSocketTap } {
  const tap: WebSocketTap = { frames: [], sockets: [] };
  class Tapped implements TappedSocket {
    private readonly inner: WebSocket;
    onopen: ((ev: unknown) => void) | null = null;
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
    onerror: ((ev: unknown) => void) | null = null;
    constructor(url: string) {
      this.inner = new WebSocket(url);
      tap.sockets.push(this);
      this.inner.onopen = (e) => this.onopen?.(e);
      this.inner.onerror = (e) => this.onerror?.(e);
      this.inner.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
      this.inner.onmessage = (e) => {
        const text = String(e.data);
        tap.frames.push(text);
        this.onmessage?.({ data: text });
        if (opts.duplicate && text.startsWith('{"type":"msg"')) this.onmessage?.({ data: text });
      };
    }
    get readyState() {
      return this.inner.readyState;
    }
    send(data: string) {
      tap.frames.push(data);
      this.inner.send(data);
    }
    close(code?: number, reason?: string) {
      this.inner.close(code, reason);
    }
    terminate() {
      this.inner.terminate();
    }
    inject(frame: unknown) {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }
  return { WebSocket: Tapped, tap };
}

/** A fetch that records every request body and response body. */
export function tapFetch(log: string[]): typeof fetch {
  return async (input, init) => {
    log.push(String(input), typeof init?.body === 'string' ? init.body : '');
    const res = await fetch(input, init);
    log.push(await res.clone().text());
    return res;
  };
}
