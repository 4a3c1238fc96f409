/**
 * Home's accounts of a co-signed vault (docs/accounts.md): switch between
 * them (each with its balance on the selected network), and add one, named
 * (the next derived key m/k).
 */
import { useEffect, useState } from 'preact/hooks';
import type { VaultView, WalletState } from '../../shared/popup-api';
import { sendCommand } from '../api';
import type { Run } from '../App';
import { shortAddress } from '../../ui/Address';
import { ErrorText } from '../../ui/ErrorText';

export function AccountPicker({ vault, state, run }: { vault: VaultView; state: WalletState; run: Run }) {
  const [balances, setBalances] = useState<Record<number, string | null>>({});
  const [adding, setAdding] = useState<'add' | 'rename' | false>(false);
  // The account being renamed, fixed when the form opens (the active one may change meanwhile).
  const [renaming, setRenaming] = useState(0);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const symbol = state.networks.find((n) => n.chainId === state.selectedChainId)?.currencySymbol ?? '';
  useEffect(() => {
    let live = true;
    void sendCommand('getAccountBalances').then((r) => {
      if (live && r.ok && r.result) setBalances(Object.fromEntries(r.result.map((b) => [b.index, b.value])));
    });
    return () => void (live = false);
  }, [vault.id, vault.accounts.length, state.selectedChainId, state.activity[0]?.hash, state.activity[0]?.status]);
  const add = async (e: Event) => {
    e.preventDefault();
    const failed = await run(adding === 'rename' ? { type: 'renameAccount', index: renaming, name } : { type: 'addAccount', name });
    setError(failed);
    if (!failed) {
      setAdding(false);
      setName('');
    }
  };
  return (
    <div class="accounts">
      <label class="field">
        <span>Account</span>
        <select
          aria-label="Account"
          value={String(vault.account.index)}
          onChange={(e) => void run({ type: 'selectAccount', index: Number((e.target as HTMLSelectElement).value) }).then(setError)}
        >
          {vault.accounts.map((a) => (
            <option key={a.index} value={String(a.index)}>
              {a.name} · {shortAddress(a.address)}
              {balances[a.index] ? ` · ${trim(balances[a.index]!)} ${symbol}` : ''}
            </option>
          ))}
        </select>
      </label>
      {adding ? (
        <form class="inline-form" onSubmit={add}>
          <input
            class="grow"
            aria-label={adding === 'rename' ? 'Account name' : 'New account name'}
            placeholder={`Account ${vault.accounts.length + 1}`}
            maxLength={64}
            value={name}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <button class="button primary small" type="submit">
            {adding === 'rename' ? 'Save' : 'Add'}
          </button>
          <button class="button small" type="button" onClick={() => setAdding(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div class="row">
          <button class="link-button" type="button" onClick={() => (setName(''), setAdding('add'))}>
            + Add account
          </button>
          <button
            class="link-button"
            type="button"
            onClick={() => (setName(vault.account.name), setRenaming(vault.account.index), setAdding('rename'))}
          >
            Rename
          </button>
        </div>
      )}
      <ErrorText error={error} />
    </div>
  );
}

function trim(v: string): string {
  const [i, f = ''] = v.split('.');
  const frac = f.slice(0, 4).replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i!;
}
