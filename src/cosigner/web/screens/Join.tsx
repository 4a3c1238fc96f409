/**
 * A pairing from the QR code: what it is (key generation or re-share, the
 * vault's name and quorum, the relay), this phone's name, and the PIN that
 * will protect the share; then Join.
 */
import { useState } from 'preact/hooks';
import { ErrorText } from '../../../ui/ErrorText';
import { PinFields, newPinProblem } from '../components/PinFields';
import type { PhoneController } from '../controller';

export function Join({ controller }: { controller: PhoneController }) {
  const s = controller.state;
  const [name, setName] = useState(s.deviceName);
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!s.pairing) {
    return (
      <section class="screen" data-testid="pairing-error">
        <h2>This link does not work</h2>
        <p class="error" role="alert">
          {s.pairingError}
        </p>
        <button class="button" onClick={() => controller.dropPairing()}>
          Back
        </button>
      </section>
    );
  }
  const { info } = s.pairing;
  const old = info.kind === 'reshare' ? s.vaults.find((v) => v.id === info.vaultId) : undefined;
  const pinMode = s.unlocked ? null : s.hasPin ? 'unlock' : 'new';

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (pinMode === 'new') {
      const problem = newPinProblem(pin, confirm);
      if (problem) return setError(problem);
    }
    setBusy(true);
    let err: string | null = null;
    if (pinMode === 'new') err = await controller.choosePin(pin);
    else if (pinMode === 'unlock') err = await controller.unlock(pin);
    if (!err) err = await controller.join(name);
    setBusy(false);
    if (err) {
      setError(err);
      setPin('');
      setConfirm('');
    }
  };

  return (
    <form class="screen" onSubmit={submit} aria-label="Join" data-testid="join">
      <h2>{info.kind === 'keygen' ? 'Join a new vault' : 'Join a re-share'}</h2>
      <div class="card">
        <div class="vault-title">
          <strong data-testid="join-vault-name">“{info.name}”</strong>
          <span class="badge badge-tss">{info.kind === 'keygen' ? `${info.t} OF ${info.n}` : `NEW: ${info.t} TO SIGN`}</span>
        </div>
        <p class="muted small">
          {info.kind === 'keygen'
            ? `This phone becomes one of ${info.n} devices; ${info.t} of them must approve every signature.`
            : old
              ? 'This phone already holds a share of this vault: it takes part and gets a new share. The address stays.'
              : 'This phone becomes a new device of this vault. The address stays.'}
        </p>
        <p class="muted small break">Relay: {new URL(info.relayUrl).host}</p>
      </div>
      <div class="notice">
        Only join if you started this on your own computer just now. Anyone holding this link can join until all devices are in.
      </div>
      {!old && (
        <label class="field">
          <span>Name of this phone</span>
          <input value={name} maxLength={40} autoComplete="off" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </label>
      )}
      {pinMode && <PinFields mode={pinMode} pin={pin} confirm={confirm} onPin={setPin} onConfirm={setConfirm} />}
      <ErrorText error={error} />
      <div class="actions">
        <button class="button" type="button" onClick={() => controller.dropPairing()} disabled={busy}>
          Cancel
        </button>
        <button class="button primary" type="submit" disabled={busy || !name.trim() || (pinMode !== null && !pin)}>
          {busy ? 'Opening…' : 'Join'}
        </button>
      </div>
    </form>
  );
}
