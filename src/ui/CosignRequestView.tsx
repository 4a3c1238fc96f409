/**
 * A signing request from another device of the vault, as a co-signer shows
 * it (the phone page, and the extension's Co-sign screen): who asked, the
 * request decoded with the approval screen's own component, how long the
 * requester still waits, and Approve / Reject. Rejecting tells the requesting
 * device, and its dApp gets a user rejection (4001).
 */
import { useEffect, useState } from 'preact/hooks';
import type { PendingRequest } from '../shared/cosign-requests';
import { ErrorText } from './ErrorText';
import { SignBody, willFail } from './SignRequest';

export function CosignRequestView({
  request,
  more,
  onDecide,
  busy = false,
  error = null,
  testId,
  className = '',
}: {
  request: PendingRequest;
  more: number;
  onDecide: (approve: boolean) => void;
  busy?: boolean;
  error?: string | null;
  testId: string;
  className?: string;
}) {
  const waiting = request.phase === 'waiting';
  const failing = willFail(request.view);
  return (
    <section class={`screen approval ${className}`} data-testid={testId} data-phase={request.phase}>
      <div class="site">
        <div class="site-icon" aria-hidden="true">
          ✎
        </div>
        <div class="grow">
          <div class="site-origin">{request.vaultName}</div>
          <div class="muted small">asked by device {request.fromDevice}</div>
        </div>
        {more > 0 && <span class="count">+{more}</span>}
      </div>
      <SignBody sign={request.view} method={request.method} progress={waiting ? null : { approvalId: request.key, steps: request.steps }} />
      {waiting && <ExpiresIn at={request.expires} />}
      <ErrorText error={error} />
      {waiting ? (
        <div class="actions sticky-actions">
          <button class="button" disabled={busy} onClick={() => onDecide(false)}>
            Reject
          </button>
          <button class={failing ? 'button approve-anyway' : 'button primary'} disabled={busy} onClick={() => onDecide(true)}>
            {failing ? 'Approve anyway' : 'Approve'}
          </button>
        </div>
      ) : (
        <p class="progress">
          <span class="spinner" aria-hidden="true" /> Co-signing…
        </p>
      )}
    </section>
  );
}

/** How long the requesting device still waits (the request leaves the screen by itself when it expires). */
function ExpiresIn({ at }: { at: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.ceil((at - now) / 1000));
  return (
    <p class="muted small center" data-testid="request-expires">
      Answer within {left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`}: then the requesting device stops waiting.
    </p>
  );
}
