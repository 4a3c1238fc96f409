/** PIN entry: one field to unlock, or a new PIN and its confirmation. */
import { MIN_PIN_LENGTH } from '../vault-store';

export function PinFields({
  mode,
  pin,
  confirm,
  onPin,
  onConfirm,
}: {
  mode: 'new' | 'unlock';
  pin: string;
  confirm: string;
  onPin: (v: string) => void;
  onConfirm: (v: string) => void;
}) {
  if (mode === 'unlock') {
    return (
      <label class="field">
        <span>PIN or passphrase</span>
        <input type="password" autoComplete="current-password" value={pin} onInput={(e) => onPin((e.target as HTMLInputElement).value)} />
      </label>
    );
  }
  return (
    <>
      <label class="field">
        <span>New PIN or passphrase</span>
        <input type="password" autoComplete="new-password" value={pin} onInput={(e) => onPin((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Confirm PIN</span>
        <input
          type="password"
          autoComplete="new-password"
          value={confirm}
          onInput={(e) => onConfirm((e.target as HTMLInputElement).value)}
        />
      </label>
      <p class="muted small">
        At least {MIN_PIN_LENGTH} characters; a passphrase is stronger than digits. It encrypts the shares on this phone and is asked each
        time you open the page. Tandem cannot recover it: keep a backup.
      </p>
    </>
  );
}

/** Checks a new PIN and its confirmation; a message for the user, or null. */
export function newPinProblem(pin: string, confirm: string): string | null {
  if (pin.length < MIN_PIN_LENGTH) return `Use a PIN or passphrase of at least ${MIN_PIN_LENGTH} characters.`;
  if (pin !== confirm) return 'The two PINs differ.';
  return null;
}
