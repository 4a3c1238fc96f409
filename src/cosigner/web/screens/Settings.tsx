/** This phone's name, its nodes for transaction previews, its storage status, and deleting a vault's share (with a warning). */
import { useState } from 'preact/hooks';
import { ErrorText } from '../../../ui/ErrorText';
import { StorageNotice } from '../components/StorageNotice';
import type { PhoneController } from '../controller';
import type { VaultSummary } from '../vault-store';

export function Settings({ controller }: { controller: PhoneController }) {
  const s = controller.state;
  const [name, setName] = useState(s.deviceName);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const err = await controller.setDeviceName(name);
    setError(err);
    setSaved(!err);
  };
  return (
    <section class="screen" data-testid="settings">
      <h2>Settings</h2>
      <form class="card column-form" onSubmit={save} aria-label="Device name">
        <label class="field">
          <span>Name of this phone (for new vaults)</span>
          <input value={name} maxLength={40} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
        <ErrorText error={error} />
        {saved && <p class="ok small">Saved.</p>}
        <button class="button small" type="submit">
          Save name
        </button>
      </form>
      <PreviewNodes controller={controller} />
      <h3>Storage</h3>
      <StorageNotice persistence={s.persistence} />
      {s.persistence !== 'granted' && s.persistence !== 'unsupported' && (
        <button class="button small" onClick={() => void controller.checkPersistence(true)}>
          Ask the browser to keep my data
        </button>
      )}
      <h3>Vaults on this phone</h3>
      {s.vaults.length === 0 && <p class="muted small">None.</p>}
      <ul class="list">
        {s.vaults.map((v) => (
          <DeleteItem key={v.id} vault={v} controller={controller} />
        ))}
      </ul>
    </section>
  );
}

/** The nodes this phone asks what a transaction will do, before Approve. */
function PreviewNodes({ controller }: { controller: PhoneController }) {
  const [text, setText] = useState(controller.state.previewRpcUrls.join('\n'));
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const err = await controller.setPreviewRpcUrls(text);
    setError(err);
    setSaved(!err);
  };
  return (
    <form class="card column-form" onSubmit={save} aria-label="Nodes for previews">
      <label class="field">
        <span>Nodes for transaction previews (one RPC URL per line)</span>
        <textarea
          rows={3}
          value={text}
          placeholder="https://ethereum-rpc.publicnode.com"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <p class="muted small">
        Before you approve a transaction, this phone asks its own node whether it will fail and what it will cost. Without a node for the
        transaction's chain, the preview is unavailable.
      </p>
      <ErrorText error={error} />
      {saved && <p class="ok small">Saved.</p>}
      <button class="button small" type="submit">
        Save nodes
      </button>
    </form>
  );
}

function DeleteItem({ vault, controller }: { vault: VaultSummary; controller: PhoneController }) {
  const [asking, setAsking] = useState(false);
  return (
    <li class="list-item column" data-testid="settings-vault">
      <div class="row">
        <strong>{vault.name}</strong>
        <span class="muted small">
          {vault.t} of {vault.n} · {vault.deviceId}
        </span>
      </div>
      {asking ? (
        <>
          <div class="warning" role="alert">
            Deleting removes this phone's share.{' '}
            {vault.t === vault.n
              ? `All ${vault.n} devices are needed to sign: without a backup of this share, the vault's funds are lost for good.`
              : 'Fewer devices remain to sign; without a backup this share cannot come back.'}
          </div>
          <div class="actions">
            <button class="button" onClick={() => setAsking(false)}>
              Keep it
            </button>
            <button class="button danger" onClick={() => void controller.deleteVault(vault.id)}>
              Delete for good
            </button>
          </div>
        </>
      ) : (
        <button class="button small danger" onClick={() => setAsking(true)}>
          Delete from this phone…
        </button>
      )}
    </li>
  );
}
