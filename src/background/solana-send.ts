/**
 * `solana:signAndSendTransaction` (docs/solana.md): before the user is
 * asked, the page's chain, options and transaction are checked and the
 * Solana RPC set in Settings must serve that chain (solana-network.ts reads
 * its genesis hash); once the transaction is co-signed, it is sent through
 * that RPC. A page never sees the RPC URL (it may carry an API key): its
 * errors name "the Solana RPC set in Tandem" and carry the stable code in
 * `data.code`.
 */
import { getTransactionDecoder } from '@solana/kit';
import { base64ToBytes, type SolanaTransactionRequest } from '../session/solana-signing-request';
import type { SolanaSendPlan, SigningProgress } from '../shared/popup-api';
import { ProviderRpcError, RpcErrorCode } from '../shared/rpc-errors';
import { checkCluster, parseSendOptions, SOLANA_CHAINS, SolanaNetworkError, sendSolanaTransaction } from './solana-network';
import type { SolanaSigned } from './solana-signing';

/** What the page gets for `solana_signAndSendTransaction`: the transaction's id (its first signature), base58. */
export interface SolanaSent {
  transactionSignature: string;
}

/** The error code → the EIP-1193 code a page gets. */
const PAGE_CODE: Record<string, number> = {
  'solana.wrongCluster': RpcErrorCode.chainDisconnected,
  'solana.badOptions': RpcErrorCode.invalidParams,
  'solana.unsignedSlots': RpcErrorCode.invalidParams,
};

/** `e` as the page gets it: the RPC URL replaced by words, the code in `data.code`. */
export function solanaPageError(method: string, e: unknown, rpcUrl?: string): ProviderRpcError {
  if (e instanceof ProviderRpcError) return e;
  if (!(e instanceof SolanaNetworkError)) return new ProviderRpcError(RpcErrorCode.internal, `${method}: sending failed.`);
  let text = e.message;
  if (rpcUrl) text = text.replaceAll(` (${rpcUrl})`, '').replaceAll(`at ${rpcUrl}`, 'set in Tandem').replaceAll(rpcUrl, 'the Solana RPC');
  const { rpcUrl: _hidden, ...details } = e.details as Record<string, unknown>;
  return new ProviderRpcError(PAGE_CODE[e.code] ?? RpcErrorCode.internal, `${method}: ${text}`, { code: e.code, ...details });
}

/**
 * Checks a page's `solana_signAndSendTransaction` before it is shown: a
 * known chain, strict options, every other signer's slot already filled, an
 * RPC URL set, and that RPC serving the chain. Throws what the page gets.
 */
export async function planSolanaSend(
  method: string,
  params: unknown,
  request: SolanaTransactionRequest,
  rpcUrl: string | null,
): Promise<SolanaSendPlan> {
  const p = (params ?? {}) as Record<string, unknown>;
  const chain = p.chain;
  if (typeof chain !== 'string' || !(SOLANA_CHAINS as readonly string[]).includes(chain))
    throw new ProviderRpcError(RpcErrorCode.invalidParams, `${method}: invalid params: chain must be one of ${SOLANA_CHAINS.join(', ')}`);
  try {
    const options = parseSendOptions(p.options);
    const tx = getTransactionDecoder().decode(base64ToBytes(request.tx));
    const missing = Object.entries(tx.signatures)
      .filter(([who, s]) => who !== request.signer && (!s || s.every((b) => b === 0)))
      .map(([who]) => who);
    if (missing.length)
      throw new SolanaNetworkError(
        'solana.unsignedSlots',
        `the transaction also needs the signature of ${missing.join(', ')}, which Tandem cannot add; sign it first, then ask Tandem.`,
        { missing },
      );
    if (!rpcUrl)
      throw new SolanaNetworkError(
        'solana.noRpcUrl',
        'no Solana RPC URL is set in Tandem: set one in Settings › Solana, or sign the transaction (solana:signTransaction) and send it yourself. Nothing was signed.',
      );
    await checkCluster(rpcUrl, chain);
    return { chain, rpcUrl, options };
  } catch (e) {
    throw solanaPageError(method, e, rpcUrl ?? undefined);
  }
}

/** Sends the co-signed transaction as planned; the approval's progress says so. Throws what the page gets. */
export async function sendCoSigned(
  plan: SolanaSendPlan,
  signed: SolanaSigned,
  step: (line: string, link?: SigningProgress['cosignLink'] | null) => void,
): Promise<SolanaSent> {
  step(`Sending to ${plan.chain}…`);
  try {
    const transactionSignature = await sendSolanaTransaction(plan.rpcUrl, signed.signedTransaction!, plan.options);
    step(`Sent: ${transactionSignature}`);
    return { transactionSignature };
  } catch (e) {
    throw solanaPageError('solana_signAndSendTransaction', e, plan.rpcUrl);
  }
}
