/** Settings: auto-lock time, co-signing, the Solana RPC and the network list (RPC URLs editable). */
import { useEffect, useState } from 'preact/hooks';
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN, COSIGN_TIMEOUT_MAX, COSIGN_TIMEOUT_MIN, type WalletState } from '../../shared/popup-api';
import type { Network } from '../../shared/networks';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';
import { VaultSettings } from './VaultSettings';

export function Settings({ state, run }: { state: WalletState; run: Run }) {
  return (
    <section class="screen settings">
      <h2>Settings</h2>
      <NumberSetting
        label="Auto-lock after (minutes idle)"
        unit="minutes"
        value={state.autoLockMinutes}
        min={AUTO_LOCK_MIN}
        max={AUTO_LOCK_MAX}
        save={(minutes) => run({ type: 'setAutoLock', minutes })}
      />
      {state.vault && <VaultSettings vault={state.vault} run={run} />}
      <h3>Co-signing</h3>
      <Setting label="Relay (pairing and co-signing)" value={state.relayUrl} save={(url) => run({ type: 'setRelayUrl', url })} />
      <NumberSetting
        label="Wait for the co-signer's answer (seconds)"
        unit="seconds"
        value={state.cosignTimeoutSeconds}
        min={COSIGN_TIMEOUT_MIN}
        max={COSIGN_TIMEOUT_MAX}
        save={(seconds) => run({ type: 'setCosignTimeout', seconds })}
      />
      <h3>Solana</h3>
      <Setting
        label="Solana RPC URL"
        value={state.solanaRpcUrl ?? ''}
        placeholder="https://api.devnet.solana.com"
        save={(url) => run({ type: 'setSolanaRpcUrl', url })}
      />
      <p class="muted small">
        Used for the Solana balance, for sites that ask Tandem to send a transaction and for Send SOL. Its cluster (mainnet, devnet, testnet
        or a local one) is read from the RPC itself. Leave it empty to send nothing from Tandem.
      </p>
      <Tokens state={state} run={run} />
      <MetaMaskCompat enabled={state.metaMaskCompat} run={run} />
      <h3>Networks</h3>
      <ul class="list" aria-label="Networks">
        {state.networks.map((n) => (
          <NetworkRow key={n.chainId} network={n} selected={n.chainId === state.selectedChainId} run={run} />
        ))}
      </ul>
    </section>
  );
}

/** A whole-number setting with bounds, saved by a popup command. */
/** The MetaMask-compatibility switch (isMetaMask on window.ethereum). */
function MetaMaskCompat({ enabled, run }: { enabled: boolean; run: Run }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <h3>dApps</h3>
      <label class="row">
        <input
          type="checkbox"
          checked={enabled}
          onChange={async (e) => setError(await run({ type: 'setMetaMaskCompat', enabled: (e.target as HTMLInputElement).checked }))}
        />
        <span>MetaMask compatibility</span>
      </label>
      <p class="muted small">
        Sites that only work with MetaMask see Tandem as MetaMask-compatible (isMetaMask). Tandem still names itself to sites that list
        wallets (EIP-6963). Applies to pages opened or reloaded afterwards.
      </p>
      <ErrorText error={error} />
    </>
  );
}

function NumberSetting({
  label,
  unit,
  value,
  min,
  max,
  save,
}: {
  label: string;
  unit: string;
  value: number;
  min: number;
  max: number;
  save: (n: number) => Promise<string | null>;
}) {
  return (
    <Setting
      label={label}
      value={String(value)}
      input={{ type: 'number', min, max }}
      check={(text) => {
        const n = Number(text);
        return Number.isInteger(n) && n >= min && n <= max ? null : `Enter whole ${unit} between ${min} and ${max}.`;
      }}
      save={(text) => save(Number(text))}
    />
  );
}

/**
 * One setting in its own small form: the field, Save (which says "Saved"
 * once stored) and the error when it was refused. `check` refuses input
 * before it is sent; the background checks it again.
 */
function Setting({
  label,
  value: current,
  input,
  placeholder,
  check,
  save: store,
}: {
  label: string;
  value: string;
  input?: { type: 'number'; min: number; max: number };
  placeholder?: string;
  check?: (text: string) => string | null;
  save: (text: string) => Promise<string | null>;
}) {
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(current), [current]);
  const save = async (e: Event) => {
    e.preventDefault();
    const bad = check?.(value);
    if (bad) return setError(bad);
    const err = await store(value);
    setError(err);
    setSaved(!err);
  };
  return (
    <form class="card inline-form" onSubmit={save}>
      <label class="field grow">
        <span>{label}</span>
        <input
          {...input}
          value={value}
          placeholder={placeholder}
          spellcheck={false}
          onInput={(e) => (setValue((e.target as HTMLInputElement).value), setSaved(false))}
        />
      </label>
      <button class="button small" type="submit">
        {saved ? 'Saved' : 'Save'}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** The ERC-20 tokens followed on the selected network. */
function Tokens({ state, run }: { state: WalletState; run: Run }) {
  const network = state.networks.find((n) => n.chainId === state.selectedChainId);
  const [address, setAddress] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (e: Event) => {
    e.preventDefault();
    const err = await run({ type: 'addToken', address });
    setError(err);
    if (!err) setAddress('');
  };
  return (
    <>
      <h3>Tokens on {network?.name ?? 'this network'}</h3>
      <ul class="list" aria-label="Followed tokens">
        {state.tokens.map((t) => (
          <li class="list-item" key={t.address}>
            <div class="grow">
              <strong>{t.symbol}</strong>
              <div class="muted small break">{t.address}</div>
            </div>
            <button
              class="link-button"
              onClick={() => void run({ type: 'removeToken', address: t.address })}
              aria-label={`Remove ${t.symbol}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form class="card inline-form" onSubmit={add} aria-label="Add token">
        <label class="field grow">
          <span>Token contract address</span>
          <input value={address} placeholder="0x…" spellcheck={false} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
        </label>
        <button class="button small" type="submit" disabled={!address.trim()}>
          Add
        </button>
        <ErrorText error={error} />
      </form>
    </>
  );
}

function NetworkRow({ network, selected, run }: { network: Network; selected: boolean; run: Run }) {
  const [editing, setEditing] = useState(false);
  const [url, setUrl] = useState(network.rpcUrl);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const err = await run({ type: 'setNetworkRpc', chainId: network.chainId, rpcUrl: url });
    setError(err);
    if (!err) setEditing(false);
  };
  return (
    <li class="list-item column" data-testid="network">
      <div class="row">
        <div class="grow">
          <strong>{network.name}</strong> {selected && <span class="badge badge-ok">selected</span>}
          {network.custom && <span class="badge">added by a site</span>}
          <div class="muted small">Chain ID {BigInt(network.chainId).toString(10)}</div>
        </div>
        {!editing && (
          <button class="link-button" onClick={() => setEditing(true)} aria-label={`Edit RPC of ${network.name}`}>
            Edit RPC
          </button>
        )}
      </div>
      {editing ? (
        <form class="inline-form" onSubmit={save}>
          <input class="grow" aria-label="RPC URL" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
          <button class="button small" type="submit">
            Save
          </button>
        </form>
      ) : (
        <div class="muted small break">{network.rpcUrl}</div>
      )}
      <ErrorText error={error} />
    </li>
  );
}
