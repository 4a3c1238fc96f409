/**
 * Home's "Recent activity": the active vault's transactions, newest first
 * (background/activity.ts), each with where it stands (docs/activity.md).
 * While one of the selected network is pending, the popup asks the
 * background to check them (`refreshActivity`) every few seconds; a pending
 * one offers Speed up and Cancel (`replaceTransaction`: its approval shows
 * next, co-signed like any other).
 */
import { useEffect, useState } from 'preact/hooks';
import { WALLET_ORIGIN, type ActivityEntry, type ActivityStatus, type ReplaceMode, type WalletState } from '../../shared/popup-api';
import { shortAddress } from '../../ui/Address';
import { ErrorText } from '../../ui/ErrorText';
import { sendCommand } from '../api';
import { trimAmount } from '../format';

/** How often the popup asks for the pending transactions' status while one is pending (the popup's timer, not the worker's). */
export const ACTIVITY_REFRESH_MS = 4000;
/** Entries shown. */
const SHOWN = 8;

const STATUS_TEXT: Record<ActivityStatus, string> = {
  pending: 'Pending',
  confirmed: 'Confirmed',
  failed: 'Failed',
  replaced: 'Replaced',
  dropped: 'Dropped',
};

/** Asks for the status of the selected network's open entries: once when shown, then every few seconds while one is pending. */
function useStatusRefresh(entries: ActivityEntry[], chainId: string): void {
  const here = entries.filter((e) => e.chainId === chainId && !e.chainId.startsWith('solana:'));
  const pending = here
    .filter((e) => e.status === 'pending')
    .map((e) => e.hash)
    .join(',');
  const unchecked = here.some((e) => e.status === undefined);
  useEffect(() => {
    if (!pending && !unchecked) return;
    void sendCommand('refreshActivity');
    if (!pending) return;
    const timer = setInterval(() => void sendCommand('refreshActivity'), ACTIVITY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [pending, unchecked, chainId]);
}

export function Activity({ entries, state }: { entries: ActivityEntry[]; state: WalletState }) {
  useStatusRefresh(entries, state.selectedChainId);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const replace = async (hash: string, mode: ReplaceMode) => {
    setBusy(hash);
    setError(null);
    // On success the approval shows next (the state the background pushes).
    const reply = await sendCommand('replaceTransaction', { hash, mode });
    setBusy(null);
    if (!reply.ok) setError(reply.error);
  };
  return (
    <>
      <h3>Recent activity</h3>
      <ErrorText error={error} />
      {entries.length === 0 ? (
        <p class="muted small">Nothing sent yet.</p>
      ) : (
        <ul class="list" aria-label="Recent activity">
          {entries.slice(0, SHOWN).map((e) => (
            <ActivityItem
              key={e.hash}
              e={e}
              state={state}
              replaceable={canReplace(e, entries, state.selectedChainId)}
              busy={busy !== null}
              onReplace={(mode) => void replace(e.hash, mode)}
            />
          ))}
        </ul>
      )}
    </>
  );
}

/** Speed up / Cancel are offered for a pending Ethereum entry of the selected network that no pending replacement replaces already. */
function canReplace(e: ActivityEntry, all: ActivityEntry[], chainId: string): boolean {
  return (
    e.status === 'pending' &&
    e.tx !== undefined &&
    e.chainId === chainId &&
    !all.some((x) => x.replaces === e.hash && x.status === 'pending')
  );
}

function ActivityItem({
  e,
  state,
  replaceable,
  busy,
  onReplace,
}: {
  e: ActivityEntry;
  state: WalletState;
  replaceable: boolean;
  busy: boolean;
  onReplace: (mode: ReplaceMode) => void;
}) {
  // A Solana entry names its cluster and has no explorer link (Tandem knows no Solana explorer).
  const solana = e.chainId.startsWith('solana:');
  const net = solana ? undefined : state.networks.find((n) => n.chainId === e.chainId);
  const link = net?.blockExplorerUrl ? `${net.blockExplorerUrl.replace(/\/+$/, '')}/tx/${e.hash}` : null;
  const where = solana ? `Solana ${e.chainId.slice('solana:'.length)}` : (net?.name ?? e.chainId);
  return (
    <li class="list-item column" data-testid="activity" data-chain={e.chainId} data-hash={e.hash} data-status={e.status ?? ''}>
      <div class="row">
        <strong>{e.what}</strong>
        <span>
          {trimAmount(e.value)} {e.symbol}
        </span>
      </div>
      <div class="row muted small">
        <span>{e.to ? `to ${shortAddress(e.to)}` : solana ? '' : 'new contract'}</span>
        <span>{new Date(e.at).toLocaleString()}</span>
      </div>
      {e.status && (
        <div class="row activity-status">
          <span class={`badge status-${e.status}`} data-testid="activity-status">
            {STATUS_TEXT[e.status]}
          </span>
          {replaceable && (
            <span class="activity-actions">
              <button class="button small" disabled={busy} onClick={() => onReplace('speedUp')} data-testid="activity-speed-up">
                Speed up
              </button>
              <button class="button small" disabled={busy} onClick={() => onReplace('cancel')} data-testid="activity-cancel">
                Cancel
              </button>
            </span>
          )}
        </div>
      )}
      <div class="muted small break">
        {link ? (
          <a href={link} target="_blank" rel="noreferrer">
            {e.hash}
          </a>
        ) : (
          e.hash
        )}
        {' · '}
        {where} · {e.origin === WALLET_ORIGIN ? 'Send screen' : e.origin}
        {e.replaces && <span data-testid="activity-replaces"> · replaces {shortAddress(e.replaces)}</span>}
      </div>
    </li>
  );
}
