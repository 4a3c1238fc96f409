/**
 * A Solana request as an approval screen shows it: the instructions decoded
 * by session/solana-request.ts (the same lines every co-signer prints),
 * warnings first; a message as text when printable, hex otherwise.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import {
  describeSolanaMessage,
  describeSolanaTransaction,
  formatUnits,
  lamportsSpentBy,
  summarizeTokensSent,
  tokensSentBy,
} from '../session/solana-request';
import { solanaTransactionOf, type SolanaSigningRequest } from '../session/solana-signing-request';
import type { SignView, SolanaSendPlan } from './popup-api';

/** The network name shown for Solana requests (the transaction itself names no cluster). */
export const SOLANA_NETWORK_NAME = 'Solana';

/** `send`: the transaction is also sent once co-signed (solana:signAndSendTransaction), on that plan's cluster. */
export function solanaSignView(request: SolanaSigningRequest, send?: SolanaSendPlan): SignView {
  const networkName = send ? `${SOLANA_NETWORK_NAME} (${send.chain.replace(/^solana:/, '')})` : SOLANA_NETWORK_NAME;
  const base = { account: request.signer, chainId: 'solana', networkName, currencySymbol: 'SOL', request };
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
      sendsTokens: summarizeTokensSent(tokensSentBy(view, request.signer)),
      ...(send ? { send } : {}),
    },
  };
}
