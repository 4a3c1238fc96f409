/** Starts a real Hardhat 2 node on 127.0.0.1 (hardhat.config.cjs, chain id by env). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { freePort } from './ports';

export interface HardhatNode {
  url: string;
  chainId: number;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 180_000;
const cli = createRequire(import.meta.url).resolve('hardhat/internal/cli/cli.js');

async function jsonRpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Starts a node (on a free port unless `port` is given) and waits until it answers eth_chainId. */
export async function startHardhatNode(chainId: number, port?: number): Promise<HardhatNode> {
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: process.cwd(),
    env: { ...process.env, TANDEM_CHAIN_ID: String(chainId), HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  // Generous: on a loaded machine a Hardhat node takes long to start (a bound, not a speed check).
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node (chain ${chainId}) exited: ${stderr}`);
    try {
      const id = await jsonRpc<string>(url, 'eth_chainId');
      if (Number(id) !== chainId) throw new Error(`hardhat node on ${url} reports chain ${id}, expected ${chainId}`);
      break;
    } catch (e) {
      if (e instanceof Error && e.message.includes('reports chain')) {
        await stop();
        throw e;
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node (chain ${chainId}) did not start in ${START_TIMEOUT_MS / 1000} s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { url, chainId, rpc: (m, p) => jsonRpc(url, m, p), stop };
}
