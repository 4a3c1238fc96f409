/** First run: set a password and create the (development) vault. */
import { useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../shared/popup-api';
import type { Run } from '../App';
import { Logo } from '../components/Logo';
import { ErrorText } from '../components/ErrorText';

export function CreateVault({ run }: { run: Run }) {
  const [name, setName] = useState('My vault');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (password.length < MIN_PASSWORD_LENGTH) return setError(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (password !== confirm) return setError('The two passwords differ. Type the same password twice.');
    setBusy(true);
    setError(null);
    setError(await run({ type: 'createDevVault', name, password }));
    setBusy(false);
  };

  return (
    <form class="screen onboarding" onSubmit={submit}>
      <div class="hero">
        <Logo size={56} />
        <h1>Welcome to Tandem</h1>
        <p class="muted">A wallet whose private key never exists: your devices sign together.</p>
      </div>
      <div class="notice notice-dev">
        <strong>Development vault.</strong> Co-signing between devices is not wired in yet. This creates an address with <em>no signing
        path at all</em>, to try the wallet with dApps. Do not send funds to it.
      </div>
      <label class="field">
        <span>Vault name</span>
        <input value={name} maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Password</span>
        <input type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Confirm password</span>
        <input type="password" autoComplete="new-password" value={confirm} onInput={(e) => setConfirm((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorText error={error} />
      <button class="button primary" type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create development vault'}
      </button>
    </form>
  );
}
