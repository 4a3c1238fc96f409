/**
 * Backups of this phone's shares: export one vault's share as a file
 * encrypted under a backup password (the same format as the extension's and
 * `tandem-cosigner export`, so each restores the others'), and restore one.
 */
import { useState } from 'preact/hooks';
import { ErrorText } from '../../../ui/ErrorText';
import { MAX_BACKUP_BYTES, MIN_PASSWORD_LENGTH } from '../../../shared/popup-api';
import { PinFields, newPinProblem } from '../components/PinFields';
import type { PhoneController } from '../controller';

/** The warning every backup carries. */
const TWO_SHARES_WARNING =
  'Keep this file away from your computer and from backups of your other devices: two shares of the vault together can be combined into the key.';

export function Backup({ controller }: { controller: PhoneController }) {
  return (
    <section class="screen" data-testid="backup">
      <h2>Backup</h2>
      <p class="muted small">
        If this phone is lost, reset, or the browser deletes its data, the share is gone. With a backup you restore it here or on another
        phone.
      </p>
      {controller.state.vaults.length > 0 && <ExportForm controller={controller} />}
      <RestoreForm controller={controller} needsPin={false} />
    </section>
  );
}

function download(text: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function ExportForm({ controller }: { controller: PhoneController }) {
  const vaults = controller.state.vaults;
  const [id, setId] = useState(vaults[0]!.id);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (password.length < MIN_PASSWORD_LENGTH) return setError(`Use a backup password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    if (password !== confirm) return setError('The two backup passwords differ.');
    setBusy(true);
    const r = await controller.exportBackup(id, password);
    setBusy(false);
    if (typeof r === 'string') return setError(r);
    download(r.text, r.filename);
    setDone(r.filename);
    setPassword('');
    setConfirm('');
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Export backup">
      <strong>Export an encrypted backup</strong>
      {vaults.length > 1 && (
        <label class="field">
          <span>Vault</span>
          <select value={id} onChange={(e) => setId((e.target as HTMLSelectElement).value)}>
            {vaults.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
      )}
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
      <p class="notice small">{TWO_SHARES_WARNING}</p>
      <ErrorText error={error} />
      {done && (
        <p class="ok small" data-testid="backup-done">
          Saved {done}. Move it somewhere safe, away from your other devices.
        </p>
      )}
      <button class="button primary" type="submit" disabled={busy || !password}>
        {busy ? 'Encrypting…' : 'Export encrypted backup'}
      </button>
    </form>
  );
}

/** Restores a backup file; `needsPin` when no PIN is set or the page is locked (first-run restore). */
export function RestoreForm({ controller, needsPin }: { controller: PhoneController; needsPin: boolean }) {
  const [text, setText] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const pinMode = needsPin ? (controller.state.hasPin ? 'unlock' : 'new') : null;
  const onFile = async (e: Event) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    setError(null);
    if (!f) return setText(null);
    if (f.size > MAX_BACKUP_BYTES) return setError('This file is too large to be a Tandem backup.');
    setText(await f.text());
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (!text) return setError('Choose the backup file.');
    if (pinMode === 'new') {
      const problem = newPinProblem(pin, confirm);
      if (problem) return setError(problem);
    }
    setBusy(true);
    let err: string | null = null;
    if (pinMode === 'new') err = await controller.choosePin(pin);
    else if (pinMode === 'unlock') err = await controller.unlock(pin);
    if (!err) err = await controller.importBackup(text, password);
    setBusy(false);
    if (err) return setError(err);
    setDone(true);
    setPassword('');
  };
  return (
    <form class="card column-form" onSubmit={submit} aria-label="Restore backup">
      <strong>Restore a backup</strong>
      <label class="field">
        <span>Backup file</span>
        <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e)} />
      </label>
      <label class="field">
        <span>Backup password</span>
        <input type="password" autoComplete="off" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
      </label>
      {pinMode && <PinFields mode={pinMode} pin={pin} confirm={confirm} onPin={setPin} onConfirm={setConfirm} />}
      <ErrorText error={error} />
      {done && (
        <p class="ok small" data-testid="restore-done">
          Restored. This phone co-signs for the vault again.
        </p>
      )}
      <button class="button" type="submit" disabled={busy || !text || !password}>
        {busy ? 'Restoring…' : 'Restore'}
      </button>
    </form>
  );
}
