/** Home: the vault, its address and the selected network. */
import type { WalletState } from '../../shared/popup-api';
import { Address } from '../components/Address';
import { DevBadge } from '../components/DevBadge';

export function Home({ state }: { state: WalletState }) {
  const vault = state.vault!;
  const network = state.networks.find((n) => n.chainId === state.selectedChainId);
  return (
    <section class="screen home">
      <div class="card vault-card">
        <div class="vault-title">
          <h2 data-testid="vault-name">{vault.name}</h2>
          {vault.kind === 'development' ? <DevBadge /> : <span class="badge">CO-SIGNED</span>}
        </div>
        <Address address={vault.address} full />
        <dl class="facts">
          <dt>Network</dt>
          <dd data-testid="network-name">{network?.name ?? state.selectedChainId}</dd>
          <dt>Chain ID</dt>
          <dd>{BigInt(state.selectedChainId).toString(10)}</dd>
          <dt>Connected sites</dt>
          <dd>{state.sites.length}</dd>
        </dl>
      </div>
      {vault.kind === 'development' && (
        <div class="notice notice-dev">
          This development vault has no key shares, so it cannot sign: dApps can connect and read, but transactions and messages are refused
          until co-signing with your other devices is set up.
        </div>
      )}
    </section>
  );
}
