/**
 * Settings for the active vault: rename, re-share and export an encrypted
 * backup of this device's share (co-signed vaults), restore a backup, join
 * a vault, watch another address, delete the vault (or watched address) from
 * this browser. Also the restore and join forms of the first-run screen.
 */
import { useEffect, useState } from 'preact/hooks';
import { MAX_BACKUP_BYTES, MIN_PASSWORD_LENGTH, type VaultView } from '../../shared/popup-api';
import { sendCommand } from '../api';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';
import { QuorumFields, suggestedThreshold } from '../components/VaultPlan';
import { AddWatchOnly } from '../components/AddWatchOnly';

/** The warning every backup carries. */
export const TWO_SHARES_WARNING =
  'Never keep this backup in the same place as another device of this vault, or its backup: two shares together can be combined into the key.';

export function VaultSettings({ vault, run }: { vault: VaultView; run: Run }) {
  return (
    <>
      <h3>This vault</h3>
      <Rename vault={vault} run={run} />
      {vault.kind === 'tss' && <Reshare vault={vault} run={run} />}
      {vault.kind === 'tss' && <ExportBackup />}
      <RestoreBackup run={run} />
      <JoinCeremony run={run} />
      <AddWatchOnly run={run} />
      <DeleteVault vault={vault} run={run} />
    </>
  );
}

function Rename({ vault, run }: { vault: VaultView; run: Run }) {
  const [name, setName] = useState(vault.name);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setName(vault.name), [vault.id, vault.name]);
  const save = async (e: Event) => {
    e.preventDefault();
    const err = await run({ type: 'renameVault', id: vault.id, name });
    setError(err);
    setSaved(!err);
  };
  return (
    <form class="card inline-form" onSubmit={save} aria-label="Rename vault">
      <label class="field grow">
        <span>
          {vault.kind === 'tss' ? `Co-signed, ${vault.t ?? '?'} of ${vault.n ?? '?'} devices` : 'Watch-only address, cannot sign'} · name
        </span>
        <input value={name} maxLength={64} onInput={(e) => (setName((e.target as HTMLInputElement).value), setSaved(false))} />
      </label>
      <button class="button small" type="submit" disabled={name.trim() === vault.name}>
        {saved ? 'Saved' : 'Rename'}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** Re-share: add a device, replace a lost one, change the threshold; the address stays. */
function Reshare({ vault, run }: { vault: VaultView; run: Run }) {
  const [n, setN] = useState((vault.n ?? 2) + 1);
  const [t, setT] = useState(suggestedThreshold((vault.n ?? 2) + 1));
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(await run({ type: 'startReshare', newT: t, newN: n, ...(leaving ? { leaving: true } : {}) }));
    setBusy(false);
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Re-share">
      <strong>Change devices (re-share)</strong>
      <span class="muted small">
        Add a device, replace a lost one or change how many must sign. The address stays; old shares stop working with the new ones. Needs{' '}
        {vault.t ?? 2} of the current devices, this one included.
      </span>
      <QuorumFields
        n={n}
        t={t}
        devices={[2, 3, 4, 5, 6]}
        onChange={(nextN, nextT) => (setN(nextN), setT(nextT))}
        label={leaving ? 'Devices after (not this one)' : 'Devices after'}
        thresholdLabel="Needed to sign after"
      />
      <label class="checkbox">
        <input type="checkbox" checked={leaving} onChange={(e) => setLeaving((e.target as HTMLInputElement).checked)} />
        This device is leaving
      </label>
      {leaving && (
        <span class="muted small" role="note">
          This browser deals its part and then gives its place up. It keeps its share, and the re-share shows as pending, until every new
          device has said it stored its own; only then is this browser's share deleted.
        </span>
      )}
      <ErrorText error={error} />
      <button class="button small" type="submit" disabled={busy}>
        {busy ? 'Connecting…' : 'Start re-share'}
      </button>
    </form>
  );
}

function ExportBackup() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(null);
    if (password.length < MIN_PASSWORD_LENGTH) return setError(`Use a backup password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (password !== confirm) return setError('The two backup passwords differ.');
    setBusy(true);
    setError(null);
    const reply = await sendCommand('exportBackup', { password });
    setBusy(false);
    if (!reply.ok) return setError(reply.error);
    const file = reply.result;
    const url = URL.createObjectURL(new Blob([file.text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = file.filename;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setPassword('');
    setConfirm('');
    setDone(`Saved ${file.filename}.`);
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Export backup">
      <strong>Back up this device's share</strong>
      <p class="notice notice-warn small" role="note">
        {TWO_SHARES_WARNING}
      </p>
      <label class="field">
        <span>Backup password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </label>
      <label class="field">
        <span>Confirm backup password</span>
        <input
          type="password"
          autoComplete="new-password"
          value={confirm}
          onInput={(e) => setConfirm((e.target as HTMLInputElement).value)}
        />
      </label>
      <ErrorText error={error} />
      {done && (
        <p class="ok small" data-testid="backup-done">
          {done}
        </p>
      )}
      <button class="button small" type="submit" disabled={busy}>
        {busy ? 'Encrypting…' : 'Export encrypted backup'}
      </button>
    </form>
  );
}

/** Restore a backup file; on first run (`firstRun`) it also sets or asks the wallet password. */
export function RestoreBackup({ run, firstRun = false }: { run: Run; firstRun?: boolean }) {
  const [text, setText] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [walletPassword, setWalletPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pick = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    setError(null);
    if (!file) return setText(null);
    if (file.size > MAX_BACKUP_BYTES) return setError('This file is too large to be a Tandem backup.');
    setText(await file.text());
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text) return setError('Choose the backup file first.');
    if (firstRun && walletPassword.length < MIN_PASSWORD_LENGTH)
      return setError(`Use a Tandem password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    setBusy(true);
    setError(null);
    const err = await run({ type: 'importBackup', text, password, ...(firstRun ? { walletPassword } : {}) });
    setBusy(false);
    setError(err);
    if (!err) setPassword('');
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Restore backup">
      <strong>Restore a backup</strong>
      <label class="field">
        <span>Backup file</span>
        <input type="file" accept=".json,application/json" onChange={(e) => void pick(e)} />
      </label>
      <label class="field">
        <span>Backup password</span>
        <input type="password" autoComplete="off" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      {firstRun && (
        <label class="field">
          <span>Tandem password (new, or your current one)</span>
          <input
            type="password"
            autoComplete="new-password"
            value={walletPassword}
            onInput={(e) => setWalletPassword((e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      <ErrorText error={error} />
      <button class="button small" type="submit" disabled={busy || !text || !password}>
        {busy ? 'Restoring…' : 'Restore'}
      </button>
    </form>
  );
}

function DeleteVault({ vault, run }: { vault: VaultView; run: Run }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!asking)
    return (
      <button class="button small danger" onClick={() => setAsking(true)}>
        Delete this vault…
      </button>
    );
  return (
    <div class="warning column-form" role="alertdialog" aria-label="Delete vault">
      <strong>Delete “{vault.name}” from this browser?</strong>
      <span>
        {vault.kind === 'tss'
          ? `This device's share is erased. Funds stay safe only if you have a backup of it, or ${vault.t ?? 'enough'} other devices of the vault can still sign (then re-share to replace this one).`
          : 'A watch-only address has no share here: Tandem stops showing it, and nothing changes at the address itself.'}
      </span>
      <ErrorText error={error} />
      <div class="actions">
        <button class="button small" onClick={() => setAsking(false)}>
          Keep it
        </button>
        <button class="button small danger" onClick={() => void run({ type: 'deleteVault', id: vault.id }).then(setError)}>
          Delete for good
        </button>
      </div>
    </div>
  );
}

/** Join another device's key generation or re-share by pasting its pairing text or link. */
export function JoinCeremony({ run, firstRun = false }: { run: Run; firstRun?: boolean }) {
  const [pairing, setPairing] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (firstRun && password.length < MIN_PASSWORD_LENGTH)
      return setError(`Use a Tandem password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    setBusy(true);
    setError(null);
    setError(await run({ type: 'joinCeremony', pairing, ...(firstRun ? { password } : {}) }));
    setBusy(false);
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Join with a pairing code">
      <strong>Join with a pairing code</strong>
      <span class="muted small">Another device shows a code to create a vault or re-share one: paste its text or link.</span>
      <label class="field">
        <span>Pairing code or link</span>
        <textarea rows={3} value={pairing} spellcheck={false} onInput={(e) => setPairing((e.target as HTMLTextAreaElement).value)} />
      </label>
      {firstRun && (
        <label class="field">
          <span>Tandem password (new, or your current one)</span>
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      <ErrorText error={error} />
      <button class="button small" type="submit" disabled={busy || !pairing.trim()}>
        {busy ? 'Joining…' : 'Join'}
      </button>
    </form>
  );
}
