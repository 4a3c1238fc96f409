/** First visit without a pairing: what this page is for, and restoring a backup. */
import { useState } from 'preact/hooks';
import { Logo } from '../../../ui/Logo';
import type { PhoneController } from '../controller';
import { RestoreForm } from './Backup';

export function Welcome({ controller }: { controller: PhoneController }) {
  const [restore, setRestore] = useState(false);
  return (
    <section class="screen" data-testid="welcome">
      <div class="hero">
        <Logo size={64} />
        <h1>Your phone as a co-signer</h1>
        <p class="muted">Each signature of your Tandem wallet needs this phone's approval too. No app to install.</p>
      </div>
      <ol class="card steps-list">
        <li>In the Tandem extension on your computer, create a vault and pair devices.</li>
        <li>Scan the QR code it shows with this phone's camera.</li>
        <li>Choose a PIN here; keep this page open to approve signatures.</li>
      </ol>
      {restore ? (
        <RestoreForm controller={controller} needsPin />
      ) : (
        <button class="button" onClick={() => setRestore(true)}>
          Restore from a backup
        </button>
      )}
    </section>
  );
}
