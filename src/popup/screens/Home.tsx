/** Home: the vault, its address and the selected network; a watch-only address says it never signs and offers a co-signed vault. */
import { useEffect, useState } from 'preact/hooks';
import type { BalanceView, WalletState } from '../../shared/popup-api';
import { sendCommand } from '../api';
import type { Run } from '../App';
import { Address, shortAddress } from '../../ui/Address';
import { WatchBadge } from '../components/WatchBadge';
import { SolanaAccount } from '../components/SolanaAccount';
import { AccountPicker } from '../components/AccountPicker';
import { Cosign } from './Cosign';
import { ErrorText } from '../../ui/ErrorText';
import { VaultPlanFields, usePlan } from '../components/VaultPlan';
import { Activity } from '../components/Activity';

export function Home({ state, run }: { state: WalletState; run: Run }) {
  const vault = state.vault!;
  const network = state.networks.find((n) => n.chainId === state.selectedChainId);
  const [creating, setCreating] = useState(false);
  const [sending, setSending] = useState(false);
  const [cosigning, setCosigning] = useState(false);
  const [balance, setBalance] = useState<BalanceView | 'error' | null>(null);
  // The balance of the selected network, refreshed when the network or the activity changes.
  useEffect(() => {
    let live = true;
    setBalance(null);
    void sendCommand('getBalance').then((r) => live && setBalance(r.ok && r.result ? r.result : 'error'));
    return () => void (live = false);
  }, [state.selectedChainId, network?.rpcUrl, vault.account.address, state.activity[0]?.hash, state.activity[0]?.status]);
  if (creating) return <NewVault run={run} onCancel={() => setCreating(false)} />;
  if (sending) return <Send state={state} run={run} onDone={() => setSending(false)} />;
  if (cosigning || state.cosigning) return <Cosign state={state} run={run} onDone={() => setCosigning(false)} />;
  return (
    <section class="screen home">
      {state.vaults.length > 1 && (
        <label class="field">
          <span>Vault</span>
          <select
            aria-label="Vault"
            value={vault.id}
            onChange={(e) => void run({ type: 'selectVault', id: (e.target as HTMLSelectElement).value })}
          >
            {state.vaults.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name} · {shortAddress(v.address)}
                {v.kind === 'watch' ? ' (watch only)' : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      {vault.kind === 'tss' && <AccountPicker vault={vault} state={state} run={run} />}
      <div class="card vault-card">
        <div class="vault-title">
          <h2 data-testid="vault-name">{vault.name}</h2>
          {vault.kind === 'watch' ? (
            <WatchBadge />
          ) : (
            <span class="badge badge-tss" data-testid="vault-quorum" title="Signatures need this many of the vault's devices">
              CO-SIGNED {vault.t && vault.n ? `${vault.t}-OF-${vault.n}` : ''}
            </span>
          )}
        </div>
        {vault.accounts.length > 1 && (
          <div class="muted small" data-testid="account-name">
            {vault.account.name} · key path {vault.account.path}
          </div>
        )}
        <Address address={vault.account.address} full />
        <div class="balance" data-testid="balance">
          {balance === 'error' ? (
            <span class="muted small">Balance unavailable: the network's RPC did not answer.</span>
          ) : balance ? (
            `${trimAmount(balance.value)} ${balance.symbol}`
          ) : (
            '…'
          )}
        </div>
        <dl class="facts">
          <dt>Network</dt>
          <dd data-testid="network-name">{network?.name ?? state.selectedChainId}</dd>
          <dt>Chain ID</dt>
          <dd>{BigInt(state.selectedChainId).toString(10)}</dd>
          <dt>Connected sites</dt>
          <dd>{state.sites.length}</dd>
        </dl>
      </div>
      {vault.kind === 'tss' && <SolanaAccount vaultId={vault.id} rpcUrl={state.solanaRpcUrl} run={run} />}
      {vault.kind === 'watch' && !vault.keyDiscarded && (
        <div class="notice" data-testid="watch-notice">
          Watch only: Tandem has no key for this address. Sites can connect and read it, but every signature and transaction request is
          refused. To sign, create a co-signed vault.
        </div>
      )}
      {vault.kind === 'watch' && vault.keyDiscarded && (
        <div class="notice notice-warn" role="note" data-testid="watch-notice">
          <strong>Never send funds to this address.</strong> It was made by an earlier Tandem whose key was thrown away at once, so nothing
          can ever move funds from it. Tandem keeps it as watch-only; delete it in Settings when you no longer need it.
        </div>
      )}
      {vault.kind === 'watch' && (
        <button class="button primary" onClick={() => setCreating(true)}>
          Create a co-signed vault
        </button>
      )}
      {vault.kind === 'tss' && (
        <div class="actions">
          <button class="button primary" onClick={() => setSending(true)}>
            Send
          </button>
          <button class="button" title="Answer signing requests from your other devices" onClick={() => setCosigning(true)}>
            Co-sign
          </button>
        </div>
      )}
      {state.sendError && (
        <p class="error" role="alert" data-testid="send-error">
          {state.sendError}
        </p>
      )}
      {balance && balance !== 'error' && balance.tokens.length > 0 && (
        <>
          <h3>Tokens</h3>
          <ul class="list" aria-label="Tokens">
            {balance.tokens.map((t) => (
              <li class="list-item" key={t.address} data-testid="token">
                <strong class="grow">{t.symbol}</strong>
                <span>{t.balance === null ? '—' : trimAmount(t.balance)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {vault.kind === 'tss' && <Activity entries={state.activity} state={state} />}
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

/** Up to 6 decimals, without trailing zeros. */
function trimAmount(v: string): string {
  const [i, f = ''] = v.split('.');
  const frac = f.slice(0, 6).replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i!;
}

/** Send the native coin: goes through the same approval and co-signing as a dApp's transaction. */
function Send({ state, run, onDone }: { state: WalletState; run: Run; onDone: () => void }) {
  const network = state.networks.find((n) => n.chainId === state.selectedChainId);
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [asset, setAsset] = useState('');
  const token = state.tokens.find((t) => t.address === asset);
  const symbol = token?.symbol ?? network?.currencySymbol ?? '';
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await run({ type: 'send', to, amount, ...(token ? { token: token.address } : {}) });
    setBusy(false);
    if (err) setError(err);
    else onDone();
  };
  return (
    <form class="screen" onSubmit={submit} aria-label="Send">
      <h2>Send {symbol}</h2>
      <p class="muted small">On {network?.name ?? state.selectedChainId}. You review it next; then your co-signer approves.</p>
      {state.tokens.length > 0 && (
        <label class="field">
          <span>Asset</span>
          <select aria-label="Asset" value={asset} onChange={(e) => setAsset((e.target as HTMLSelectElement).value)}>
            <option value="">{network?.currencySymbol ?? 'Native coin'}</option>
            {state.tokens.map((t) => (
              <option key={t.address} value={t.address}>
                {t.symbol} (ERC-20)
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        <span>Recipient address</span>
        <input value={to} placeholder="0x…" spellcheck={false} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Amount ({symbol})</span>
        <input value={amount} inputMode="decimal" placeholder="0.0" onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorText error={error} />
      <div class="actions">
        <button class="button" type="button" onClick={onDone}>
          Cancel
        </button>
        <button class="button primary" type="submit" disabled={busy || !to || !amount}>
          {busy ? 'Preparing…' : 'Review'}
        </button>
      </div>
    </form>
  );
}
