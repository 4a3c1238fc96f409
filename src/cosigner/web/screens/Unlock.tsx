/** Locked: the PIN, and which vaults it opens. A wrong PIN changes nothing. */
import { useState } from 'preact/hooks';
import { Logo } from '../../../ui/Logo';
import { ErrorText } from '../../../ui/ErrorText';
import type { PhoneController } from '../controller';

export function Unlock({ controller }: { controller: PhoneController }) {
  const [pin, setPin] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const vaults = controller.state.vaults;
  const linked = controller.state.signLink?.link;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await controller.unlock(pin);
    setBusy(false);
    if (err) {
      setError(err);
      setPin('');
    }
  };
  return (
    <form class="screen unlock" onSubmit={submit} aria-label="Unlock">
      <div class="hero">
        <Logo size={56} />
        <h1>Unlock to co-sign</h1>
        <p class="muted">
          {vaults.length === 0
            ? 'No vault on this phone yet.'
            : vaults.length === 1
              ? `“${vaults[0]!.name}” is on this phone.`
              : `${vaults.length} vaults are on this phone.`}
        </p>
      </div>
      {linked && (
        <div class="notice" data-testid="unlock-sign-link">
          <strong>A signing request is waiting.</strong> Unlock to see what it asks before you approve or reject it.
        </div>
      )}
      <label class="field">
        <span>PIN or passphrase</span>
        <input
          type="password"
          autoFocus
          autoComplete="current-password"
          value={pin}
          onInput={(e) => setPin((e.target as HTMLInputElement).value)}
        />
      </label>
      <ErrorText error={error} />
      <button class="button primary" type="submit" disabled={busy || !pin}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
      <p class="muted small center">
        Signing requests reach this phone while this page is unlocked; ones sent while it was closed show after unlocking, as long as they
        are open.
      </p>
    </form>
  );
}
