/**
 * A small Solana JSON-RPC server over a LiteSVM instance, on 127.0.0.1:
 * `sendTransaction` (base64 wire transaction; answers the signature, base58),
 * `getBalance` (`{ context, value }` in lamports), `getTokenAccountBalance`
 * (an SPL token account's amount, with its mint's decimals), `getLatestBlockhash`,
 * `getGenesisHash` (a local cluster's unless `genesisHash` says otherwise)
 * and `getSignatureStatuses` (a transaction litesvm executed is `finalized`);
 * a transaction litesvm refuses is a preflight failure as real RPCs answer it.
 * Tests that send through an RPC URL use it as a real HTTP JSON-RPC path.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { address, getBase58Decoder, getTransactionDecoder, signature } from '@solana/kit';
import { getMintDecoder, getTokenDecoder } from '@solana-program/token';
import { FailedTransactionMetadata, type LiteSVM } from 'litesvm';
import { formatUnits } from '../../src/session/solana-request';

export interface SolanaRpcServer {
  url: string;
  close(): Promise<void>;
}

/** The genesis hash this server answers by default: no public cluster's (so a local one). */
export const LOCAL_GENESIS_HASH = 'US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx';

/**
 * A preflight failure as a Solana RPC answers it (-32002, the simulation's
 * result in `data`): a fieldless transaction error by its name, e.g.
 * `"BlockhashNotFound"` for an expired blockhash (litesvm's `expireBlockhash()`).
 */
function preflightFailure(result: FailedTransactionMetadata) {
  const text = result.toString();
  const name = /err: (\w+)[,\s}]/.exec(text)?.[1] ?? null;
  const words = name === 'BlockhashNotFound' ? 'Blockhash not found' : text;
  return {
    code: -32002,
    message: `Transaction simulation failed: ${words}`,
    data: { err: name, logs: [], accounts: null, unitsConsumed: 0, returnData: null },
  };
}

export async function startSolanaRpc(svm: LiteSVM, opts: { genesisHash?: string } = {}): Promise<SolanaRpcServer> {
  const answer = (method: string, params: unknown[]): unknown => {
    switch (method) {
      case 'getGenesisHash':
        return opts.genesisHash ?? LOCAL_GENESIS_HASH;
      case 'getSignatureStatuses': {
        const [list] = params as [string[]];
        const value = list.map((s) => {
          const meta = svm.getTransaction(signature(s));
          if (!meta) return null;
          const err = meta instanceof FailedTransactionMetadata ? meta.toString() : null;
          return { slot: 1, confirmations: null, err, confirmationStatus: 'finalized' };
        });
        return { context: { slot: 1 }, value };
      }
      case 'getLatestBlockhash':
        return { context: { slot: 1 }, value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: 1000 } };
      case 'getBalance':
        return { context: { slot: 1 }, value: Number(svm.getBalance(address(String(params[0]))) ?? 0n) };
      case 'getTokenAccountBalance': {
        const account = svm.getAccount(address(String(params[0])));
        if (!account.exists) throw { code: -32602, message: 'Invalid param: could not find account' };
        const token = getTokenDecoder().decode(account.data);
        const mint = svm.getAccount(token.mint);
        if (!mint.exists) throw { code: -32602, message: 'Invalid param: could not find mint' };
        const { decimals } = getMintDecoder().decode(mint.data);
        const uiAmountString = formatUnits(token.amount, decimals);
        return {
          context: { slot: 1 },
          value: { amount: token.amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString },
        };
      }
      case 'sendTransaction': {
        const [wire, opts] = params as [string, { encoding?: string } | undefined];
        if (opts?.encoding !== 'base64') throw { code: -32602, message: 'encoding must be base64' };
        const tx = getTransactionDecoder().decode(Buffer.from(wire, 'base64'));
        const result = svm.sendTransaction(tx);
        if (result instanceof FailedTransactionMetadata) throw preflightFailure(result);
        const first = Object.values(tx.signatures)[0];
        return getBase58Decoder().decode(first as Uint8Array);
      }
      default:
        throw { code: -32601, message: `Method not found: ${method}` };
    }
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let id: unknown = null;
      let reply: unknown;
      try {
        const msg = JSON.parse(body) as { id: unknown; method: string; params?: unknown[] };
        id = msg.id;
        reply = { jsonrpc: '2.0', id, result: answer(msg.method, msg.params ?? []) };
      } catch (e) {
        const err = typeof e === 'object' && e && 'code' in e ? e : { code: -32603, message: String(e) };
        reply = { jsonrpc: '2.0', id, error: err };
      }
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
