/**
 * The co-signer's own JSON-RPC client for previews (`--rpc URL`): plain
 * fetch, one call per request, the node's error rejected as it came
 * (`{ code, message, data }`, so revert data stays where the node put it).
 * Its URLs are the co-signer's own; nothing from a request chooses them.
 */
import type { Rpc } from '../shared/tx-preview.js';

/** A node's JSON-RPC error, kept whole. */
export class NodeRpcError extends Error {
  override name = 'NodeRpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** An {@link Rpc} for one http(s) URL; each call gives up after `timeoutMs`. */
export function httpRpc(url: string, timeoutMs = 5_000): Rpc {
  let id = 0;
  return async (method, params) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (body.error) {
      const e = body.error;
      throw new NodeRpcError(typeof e.code === 'number' ? e.code : -32603, String(e.message ?? 'error'), e.data);
    }
    return body.result;
  };
}

/** The chain id an RPC URL serves (eth_chainId), as a number. */
export async function chainIdOf(rpc: Rpc): Promise<number> {
  const id = await rpc('eth_chainId', []);
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(id)) throw new NodeRpcError(-32603, 'eth_chainId gave no chain id');
  return Number(BigInt(id));
}
