/**
 * Add a watch-only address: a name and any Ethereum address. On the first
 * screen (`firstRun`) it also sets the Tandem password, which locks the
 * vault list as it does for co-signed vaults; later the wallet is unlocked
 * already. The address is checked in the background (EIP-55 checksum).
 */
import { useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../shared/popup-api';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';

export function AddWatchOnly({ run, firstRun = false, onDone }: { run: Run; firstRun?: boolean; onDone?: () => void }) {
  const [name, setName] = useState('Watched address');
  const [address, setAddress] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (firstRun && password.length < MIN_PASSWORD_LENGTH) return setError(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (firstRun && password !== confirm) return setError('The two passwords differ. Type the same password twice.');
    setBusy(true);
    setError(null);
    const err = await run({ type: 'addWatchOnly', name, address, ...(firstRun ? { password } : {}) });
    setBusy(false);
    setError(err);
    if (!err) {
      setAddress('');
      onDone?.();
    }
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Add watch-only address">
      <strong>Watch an address</strong>
      <span class="muted small">
        See the balance of any address and connect it to sites to look around. Tandem has no key for it: every signing request is refused.
      </span>
      <label class="field">
        <span>Name</span>
        <input value={name} maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Address to watch</span>
        <input value={address} placeholder="0x…" spellcheck={false} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
      </label>
      {firstRun && (
        <>
          <label class="field">
            <span>Password</span>
            <input
              type="password"
              autoComplete="new-password"
              value={password}
              onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            />
          </label>
          <label class="field">
            <span>Confirm password</span>
            <input
              type="password"
              autoComplete="new-password"
              value={confirm}
              onInput={(e) => setConfirm((e.target as HTMLInputElement).value)}
            />
          </label>
        </>
      )}
      <ErrorText error={error} />
      <button class="button small" type="submit" disabled={busy || !address.trim()}>
        {busy ? 'Adding…' : 'Add watch-only address'}
      </button>
    </form>
  );
}
