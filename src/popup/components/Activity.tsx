/** Home's "Recent activity": the active vault's transactions, newest first (background/activity.ts). */
import { WALLET_ORIGIN, type ActivityEntry, type WalletState } from '../../shared/popup-api';
import { shortAddress } from '../../ui/Address';
import { trimAmount } from '../format';

export function Activity({ entries, state }: { entries: ActivityEntry[]; state: WalletState }) {
  return (
    <>
      <h3>Recent activity</h3>
      {entries.length === 0 ? (
        <p class="muted small">Nothing sent yet.</p>
      ) : (
        <ul class="list" aria-label="Recent activity">
          {entries.slice(0, 8).map((e) => {
            // A Solana entry names its cluster and has no explorer link (Tandem knows no Solana explorer).
            const solana = e.chainId.startsWith('solana:');
            const net = solana ? undefined : state.networks.find((n) => n.chainId === e.chainId);
            const link = net?.blockExplorerUrl ? `${net.blockExplorerUrl.replace(/\/+$/, '')}/tx/${e.hash}` : null;
            const where = solana ? `Solana ${e.chainId.slice('solana:'.length)}` : (net?.name ?? e.chainId);
            return (
              <li class="list-item column" key={e.hash} data-testid="activity" data-chain={e.chainId}>
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
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
