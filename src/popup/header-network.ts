/**
 * What the popup header shows as the network: the Ethereum network selector,
 * except while a Solana request is being approved, when the Ethereum network
 * does not matter — then the Solana cluster, fixed (a cluster the request
 * will be sent to, or plain "Solana" when Tandem only signs).
 */
import type { ApprovalView } from '../shared/popup-api';

/** The fixed label for the approval shown (the first), or null to show the Ethereum network selector. */
export function approvalNetworkLabel(approvals: readonly ApprovalView[]): string | null {
  const a = approvals[0];
  if (!a?.method.startsWith('solana_')) return null;
  const chain = a.sign?.solana?.send?.chain;
  return chain ? `Solana ${chain.replace(/^solana:/, '')}` : 'Solana';
}
