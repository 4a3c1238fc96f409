/**
 * First run: set a password and create a co-signed vault by pairing with
 * other devices; or join one, restore a backup, or watch an address
 * (watch-only: balances and dApp connections, never a signature).
 */
import { useState } from 'preact/hooks';
import { MIN_PASSWORD_LENGTH } from '../../shared/popup-api';
import type { Run } from '../App';
import { Logo } from '../../ui/Logo';
import { ErrorText } from '../../ui/ErrorText';
import { VaultPlanFields, usePlan } from '../components/VaultPlan';
import { AddWatchOnly } from '../components/AddWatchOnly';
import { JoinCeremony, RestoreBackup } from './VaultSettings';

export function CreateVault({ run }: { run: Run }) {
  const [plan, setPlan] = usePlan('My vault');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [restoring, setRestoring] = useState(false);
  const [joining, setJoining] = useState(false);
  const [watching, setWatching] = useState(false);

  const checkPassword = (): string | null => {
    if (password.length < MIN_PASSWORD_LENGTH) return `Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
    if (password !== confirm) return 'The two passwords differ. Type the same password twice.';
    return null;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const bad = checkPassword();
    if (bad) return setError(bad);
    setBusy(true);
    setError(null);
    setError(await run({ type: 'startKeygen', name: plan.name, n: plan.n, t: plan.t, password }));
    setBusy(false);
  };

  if (joining)
    return (
      <section class="screen onboarding">
        <h2>Join a vault</h2>
        <JoinCeremony run={run} firstRun />
        <button class="button" onClick={() => setJoining(false)}>
          Back
        </button>
      </section>
    );
  if (watching)
    return (
      <section class="screen onboarding">
        <h2>Watch an address</h2>
        <AddWatchOnly run={run} firstRun />
        <button class="button" onClick={() => setWatching(false)}>
          Back
        </button>
      </section>
    );
  if (restoring)
    return (
      <section class="screen onboarding">
        <h2>Restore from a backup</h2>
        <p class="muted small">A backup holds one device's share of a vault, encrypted with its backup password.</p>
        <RestoreBackup run={run} firstRun />
        <button class="button" onClick={() => setRestoring(false)}>
          Back
        </button>
      </section>
    );
  return (
    <form class="screen onboarding" onSubmit={submit}>
      <div class="hero compact">
        <Logo size={44} />
        <h1>Welcome to Tandem</h1>
        <p class="muted">A wallet whose private key never exists: your devices sign together.</p>
      </div>
      <VaultPlanFields plan={plan} onPlan={setPlan} />
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
      <ErrorText error={error} />
      <button class="button primary" type="submit" disabled={busy}>
        {busy ? 'Connecting to the relay…' : 'Create vault and pair devices'}
      </button>
      <div class="row onboarding-links">
        <button class="link-button" type="button" onClick={() => setJoining(true)}>
          Join with a pairing code
        </button>
        <button class="link-button" type="button" onClick={() => setRestoring(true)}>
          Restore from a backup
        </button>
        <button class="link-button" type="button" onClick={() => setWatching(true)}>
          Watch an address (watch-only)
        </button>
      </div>
    </form>
  );
}
