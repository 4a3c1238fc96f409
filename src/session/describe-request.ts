/**
 * What a signing request means, for an approval screen, a policy or the
 * terminal co-signer: a transaction's fields and known calldata (ERC-20
 * transfer and approval), and human-readable lines for any request.
 */
import { Interface, getAddress, hexlify, toUtf8String, formatEther } from 'ethers';
import { hexToBytes } from '@noble/hashes/utils.js';
import { decodeUnsignedTransaction, type SigningRequest } from './signing-request.js';

const erc20 = new Interface([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amount)',
]);
const MAX_UINT256 = (1n << 256n) - 1n;

/** What a transaction means, for an approval screen or a policy. */
export interface TransactionSummary {
  chainId: number;
  to: string | null;
  valueWei: bigint;
  nonce: number;
  gasLimit: bigint;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  gasPrice: bigint | null;
  data: string;
  /** Known calldata decoded, e.g. an ERC-20 transfer or approval. */
  call?: { method: 'transfer' | 'approve' | 'transferFrom'; token: string; to: string; amount: bigint; unlimited: boolean };
}

export function summarizeTransaction(hex: string): TransactionSummary {
  const tx = decodeUnsignedTransaction(hex);
  const summary: TransactionSummary = {
    chainId: Number(tx.chainId),
    to: tx.to ? getAddress(tx.to) : null,
    valueWei: tx.value,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    gasPrice: tx.type === 0 ? tx.gasPrice : null,
    data: tx.data,
  };
  if (tx.to && tx.data.length >= 10) {
    try {
      const parsed = erc20.parseTransaction({ data: tx.data });
      if (parsed) {
        const method = parsed.name as 'transfer' | 'approve' | 'transferFrom';
        const to = getAddress(method === 'transferFrom' ? parsed.args[1] : parsed.args[0]);
        const amount = BigInt(parsed.args[method === 'transferFrom' ? 2 : 1]);
        summary.call = { method, token: getAddress(tx.to), to, amount, unlimited: method === 'approve' && amount >= MAX_UINT256 / 2n };
      }
    } catch {
      // Unknown calldata: shown raw.
    }
  }
  return summary;
}

/** Human-readable lines describing a request (terminal co-signer, logs of the user's own device). */
export function describeRequest(req: SigningRequest): string[] {
  const lines = [`chain ${req.chainId}, key path m/${req.path.join('/')}`];
  switch (req.kind) {
    case 'transaction': {
      const s = summarizeTransaction(req.tx);
      lines.push(`send ${formatEther(s.valueWei)} ETH to ${s.to ?? '(contract creation)'}`, `nonce ${s.nonce}, gas limit ${s.gasLimit}`);
      if (s.maxFeePerGas !== null) lines.push(`max fee ${s.maxFeePerGas} wei/gas, priority fee ${s.maxPriorityFeePerGas} wei/gas`);
      if (s.gasPrice !== null) lines.push(`gas price ${s.gasPrice} wei/gas`);
      if (s.call) {
        lines.push(
          s.call.unlimited
            ? `UNLIMITED approval of token ${s.call.token} to ${s.call.to}`
            : `token ${s.call.token}: ${s.call.method} ${s.call.amount} (base units) to ${s.call.to}`,
        );
      } else if (s.data !== '0x')
        lines.push(`calldata ${s.data.length / 2 - 1} bytes: ${s.data.slice(0, 74)}${s.data.length > 74 ? '…' : ''}`);
      break;
    }
    case 'personal_sign': {
      const bytes = hexToBytes(req.message.slice(2));
      let text: string;
      try {
        text = toUtf8String(bytes);
      } catch {
        text = hexlify(bytes);
      }
      lines.push(`sign message: ${text}`);
      break;
    }
    case 'typed_data': {
      const d = req.typedData.domain;
      lines.push(
        `sign typed data ${req.typedData.primaryType} for ${String(d.name ?? '?')} (verifying contract ${String(d.verifyingContract ?? 'none')})`,
      );
      lines.push(JSON.stringify(req.typedData.message, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
      break;
    }
    case 'typed_data_v1':
      lines.push('sign legacy typed data (v1):');
      for (const e of req.typedData) lines.push(`  ${e.type} ${e.name} = ${JSON.stringify(e.value)}`);
      break;
  }
  return lines;
}
