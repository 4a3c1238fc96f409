/**
 * A Solana request as an approval screen shows it: the instructions decoded
 * by session/solana-request.ts (the same lines every co-signer prints),
 * warnings first; a message as text when printable, hex otherwise.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { describeSolanaMessage, describeSolanaTransaction, formatUnits, lamportsSpentBy } from '../session/solana-request';
import { solanaTransactionOf, type SolanaSigningRequest } from '../session/solana-signing-request';
import type { SignView } from './popup-api';

/** The network name shown for Solana requests (the transaction itself names no cluster). */
export const SOLANA_NETWORK_NAME = 'Solana';

export function solanaSignView(request: SolanaSigningRequest): SignView {
  const base = { account: request.signer, chainId: 'solana', networkName: SOLANA_NETWORK_NAME, currencySymbol: 'SOL', request };
  if (request.kind === 'solana_message') {
    const m = describeSolanaMessage(hexToBytes(request.message));
    return {
      ...base,
      solana: {
        kind: 'message',
        warnings: [],
        instructions: [],
        message: m.text === null ? { text: `0x${m.hex}`, isHex: true } : { text: m.text, isHex: false },
      },
    };
  }
  const view = solanaTransactionOf(request);
  const lines = describeSolanaTransaction(view, request.signer).filter((l) => !l.startsWith('⚠ '));
  return {
    ...base,
    solana: {
      kind: 'transaction',
      warnings: view.warnings,
      instructions: lines,
      sendsSol: formatUnits(lamportsSpentBy(view, request.signer), 9),
    },
  };
}
