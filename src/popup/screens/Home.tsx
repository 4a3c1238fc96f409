/** Home: the vault, its address and the selected network; a development vault offers to create a co-signed one. */
import { useState } from 'preact/hooks';
import type { WalletState } from '../../shared/popup-api';
import type { Run } from '../App';
import { Address } from '../components/Address';
import { DevBadge } from '../components/DevBadge';
import { ErrorText } from '../components/ErrorText';
import { VaultPlanFields, usePlan } from '../components/VaultPlan';

export function Home({ state, run }: { state: WalletState; run: Run }) {
  const vault = state.vault!;
  const network = state.networks.find((n) => n.chainId === state.selectedChainId);
  const [creating, setCreating] = useState(false);
  if (creating) return <NewVault run={run} onCancel={() => setCreating(false)} />;
  return (
    <section class="screen home">
      <div class="card vault-card">
        <div class="vault-title">
          <h2 data-testid="vault-name">{vault.name}</h2>
          {vault.kind === 'development' ? (
            <DevBadge />
          ) : (
            <span class="badge badge-tss" data-testid="vault-quorum" title="Signatures need this many of the vault's devices">
              CO-SIGNED {vault.t && vault.n ? `${vault.t}-OF-${vault.n}` : ''}
            </span>
          )}
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
          This development vault has no key shares, so it cannot sign: dApps can connect and read, but transactions and messages are refused.
          Create a co-signed vault to sign with your devices; it replaces this one as your account.
        </div>
      )}
      {vault.kind === 'development' && (
        <button class="button primary" onClick={() => setCreating(true)}>
          Create a co-signed vault
        </button>
      )}
    </section>
  );
}

function NewVault({ run, onCancel }: { run: Run; onCancel: () => void }) {
  const [plan, setPlan] = usePlan('My vault');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(await run({ type: 'startKeygen', name: plan.name, n: plan.n, t: plan.t }));
    setBusy(false);
  };
  return (
    <form class="screen" onSubmit={submit}>
      <h2>New co-signed vault</h2>
      <VaultPlanFields plan={plan} onPlan={setPlan} />
      <ErrorText error={error} />
      <div class="actions">
        <button class="button" type="button" onClick={onCancel}>
          Cancel
        </button>
        <button class="button primary" type="submit" disabled={busy}>
          {busy ? 'Connecting…' : 'Pair devices'}
        </button>
      </div>
    </form>
  );
}
