/**
 * Opened from the extension's signing QR code: the request is looked for in
 * the vault's paired channel (it then shows on the approval screen), or the
 * page says plainly why it cannot be shown: expired, already decided or
 * cancelled, not found, for a vault this phone does not hold, offline.
 */
import type { JSX } from 'preact';
import { Address } from '../../../ui/Address';
import type { PhoneController } from '../controller';
import type { SignLinkState } from '../phone-state';

const OUTCOME: Record<string, string> = {
  signed: 'This phone signed it.',
  'not-needed': 'It was approved here; the other devices signed.',
  rejected: 'It was rejected on this phone.',
  failed: 'Signing it failed.',
  expired: 'It expired before a decision.',
  withdrawn: 'The requesting device ended it.',
};

export function SignLink({ state, hasPin, controller }: { state: SignLinkState; hasPin: boolean; controller: PhoneController }) {
  const status = state.status === 'locked' && !hasPin ? 'unknown-vault' : state.status;
  const done = (label = 'Back to vaults') => (
    <div class="actions single">
      <button class="button primary" onClick={() => controller.dropSignLink()}>
        {hasPin ? label : 'OK'}
      </button>
    </div>
  );
  const vault = state.link && (
    <div class="card">
      <div class="muted small">Vault</div>
      <Address address={state.link.vault} />
    </div>
  );
  let body: JSX.Element;
  switch (status) {
    case 'looking':
      body = (
        <>
          <h2>Finding the request…</h2>
          <p class="progress" aria-live="polite">
            <span class="spinner" aria-hidden="true" /> Reading “{state.vaultName}” from the relay. It shows here in a moment.
          </p>
          <div class="actions single">
            <button class="button" onClick={() => controller.dropSignLink()}>
              Back to vaults
            </button>
          </div>
        </>
      );
      break;
    case 'expired':
      body = (
        <>
          <h2>This request has expired</h2>
          <p class="error" role="alert">
            The extension stopped waiting for this phone, so it can no longer be approved. Nothing was signed.
          </p>
          <p class="muted small">
            Ask again (in the dApp or the extension) and scan the new QR code, or keep this page open: new requests then appear here by
            themselves.
          </p>
          {done()}
        </>
      );
      break;
    case 'ended':
      body = (
        <>
          <h2>This request is already closed</h2>
          <p class="muted">
            It was decided or cancelled on the requesting device (or signed with another co-signer). There is nothing to approve.
          </p>
          {done()}
        </>
      );
      break;
    case 'done':
      body = (
        <>
          <h2>Already answered</h2>
          <p class="muted">{OUTCOME[state.detail ?? ''] ?? 'This phone already answered this request.'}</p>
          {done()}
        </>
      );
      break;
    case 'refused':
      body = (
        <>
          <h2>This request cannot be signed</h2>
          <p class="error" role="alert">
            The phone refused it: {state.detail}
          </p>
          {done()}
        </>
      );
      break;
    case 'not-found':
      body = (
        <>
          <h2>Request not found</h2>
          <p class="error" role="alert">
            “{state.vaultName}” has no such request on the relay. It may have ended, or the QR code is from an older request.
          </p>
          <p class="muted small">Look at the extension: if it still waits for this phone, scan its QR code again.</p>
          {done()}
        </>
      );
      break;
    case 'unknown-vault':
      body = (
        <>
          <h2>Not a vault on this phone</h2>
          <p class="error" role="alert">
            This request is for a vault this phone holds no share of. Scan the QR code with the phone you paired with this vault.
          </p>
          {vault}
          {done()}
        </>
      );
      break;
    case 'offline':
      body = (
        <>
          <h2>Cannot reach the relay</h2>
          <p class="error" role="alert">
            {state.detail}
          </p>
          <div class="actions">
            <button class="button" onClick={() => controller.dropSignLink()}>
              Back to vaults
            </button>
            <button class="button primary" onClick={() => void controller.retrySignLink()}>
              Try again
            </button>
          </div>
        </>
      );
      break;
    default:
      body = (
        <>
          <h2>This link is damaged</h2>
          <p class="error" role="alert">
            {state.detail}
          </p>
          {done()}
        </>
      );
  }
  return (
    <section class="screen sign-link" data-testid="sign-link" data-status={status}>
      {body}
    </section>
  );
}
