/**
 * A signing request from another device of the vault, decoded exactly as
 * the extension's approval screen shows it (the same component), with
 * Approve / Reject. Rejecting tells the requesting device, and the dApp gets
 * a user rejection (4001).
 */
import { useEffect, useState } from 'preact/hooks';
import { SignBody, willFail } from '../../../ui/SignRequest';
import type { PhoneController } from '../controller';
import type { PendingRequest } from '../../../shared/signing-service';

export function Request({ request, more, controller }: { request: PendingRequest; more: number; controller: PhoneController }) {
  const waiting = request.phase === 'waiting';
  return (
    <section class="screen approval phone-request" data-testid="phone-request" data-phase={request.phase}>
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
      {waiting ? (
        <div class="actions sticky-actions">
          <button class="button" onClick={() => controller.signing.decide(request.key, false)}>
            Reject
          </button>
          <button
            class={willFail(request.view) ? 'button approve-anyway' : 'button primary'}
            onClick={() => controller.signing.decide(request.key, true)}
          >
            {willFail(request.view) ? 'Approve anyway' : 'Approve'}
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
