/** The locked wallet: password in, nothing else. */
import { useState } from 'preact/hooks';
import type { Run } from '../App';
import { Logo } from '../../ui/Logo';
import { ErrorText } from '../../ui/ErrorText';

export function Unlock({ vaultName, pending, run }: { vaultName: string; pending: number; run: Run }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await run({ type: 'unlock', password });
    setBusy(false);
    setError(err);
    if (err) setPassword('');
  };

  return (
    <form class="screen unlock" onSubmit={submit}>
      <div class="hero">
        <Logo size={64} />
        <h1>Tandem is locked</h1>
        <p class="muted">{vaultName}</p>
      </div>
      {pending > 0 && (
        <div class="notice">
          {pending === 1 ? 'A site is waiting for you.' : `${pending} requests are waiting for you.`} Unlock to review.
        </div>
      )}
      <label class="field">
        <span>Password</span>
        <input
          type="password"
          autoFocus
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </label>
      <ErrorText error={error} />
      <button class="button primary" type="submit" disabled={busy || !password}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}
