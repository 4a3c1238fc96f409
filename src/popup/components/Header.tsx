/** Top bar: the logo, the network selector (the Solana cluster, fixed, on a Solana approval) and the lock button. */
import type { WalletState } from '../../shared/popup-api';
import type { Run } from '../App';
import { Logo } from '../../ui/Logo';
import { approvalNetworkLabel } from '../header-network';

export function Header({ state, run }: { state: WalletState; run: Run }) {
  const solana = approvalNetworkLabel(state.approvals);
  return (
    <header class="header">
      <Logo size={26} />
      {solana ? (
        <div
          class="network-select network-fixed"
          data-testid="header-network"
          title="A Solana request: the Ethereum network does not matter for it"
        >
          <span class={`dot ${solana === 'Solana localnet' || solana === 'Solana' ? 'dot-local' : 'dot-live'}`} />
          <span>{solana}</span>
        </div>
      ) : (
        <label class="network-select">
          <span class="sr-only">Network</span>
          <span
            class={`dot ${state.selectedChainId === '0x7a69' || state.networks.find((n) => n.chainId === state.selectedChainId)?.custom ? 'dot-local' : 'dot-live'}`}
          />
          <select
            aria-label="Network"
            value={state.selectedChainId}
            onChange={(e) => void run({ type: 'selectNetwork', chainId: (e.target as HTMLSelectElement).value })}
          >
            {state.networks.map((n) => (
              <option key={n.chainId} value={n.chainId}>
                {n.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <button class="icon-button" title="Lock Tandem" aria-label="Lock" onClick={() => void run({ type: 'lock' })}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            fill="currentColor"
            d="M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 1 1 6 0v3H9z"
          />
        </svg>
      </button>
    </header>
  );
}
