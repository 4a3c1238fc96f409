/**
 * The Co-sign screen (docs/browser-cosigner.md): while it is open, this
 * browser answers the signing requests other devices of its vaults send,
 * each decoded and previewed here and shown with the same request view as
 * the approval screen and the phone. Leaving the screen stops listening.
 */
import { useEffect, useState } from 'preact/hooks';
import type { WalletState } from '../../shared/popup-api';
import type { PendingRequest } from '../../shared/signing-service';
import { sendCommand } from '../api';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';
import { SignBody, willFail } from '../../ui/SignRequest';

export function Cosign({ state, run, onDone }: { state: WalletState; run: Run; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void run({ type: 'startCosigning' }).then(setError);
    return () => void sendCommand('stopCosigning');
  }, []);
  const c = state.cosigning;
  const request = c?.pending[0];
  if (request) return <CosignRequest request={request} more={c.pending.length - 1} run={run} />;
  return (
    <section class="screen" data-testid="cosign">
      <h2>Co-sign for other devices</h2>
      <p class="muted">
        While this screen is open, this browser answers signing requests that other devices of your vaults send: each is shown here to
        approve or reject. Leave the screen to stop.
      </p>
      <ErrorText error={error} />
      <ul class="list" aria-label="Channels">
        {(c?.channels ?? []).map((ch) => (
          <li class="list-item" key={ch.vaultName} data-testid="cosign-channel" data-state={ch.status.state}>
            <strong class="grow">{ch.vaultName}</strong>
            <span class="small">
              {ch.status.state === 'listening' ? 'Listening' : ch.status.state === 'connecting' ? 'Connecting…' : ch.status.error}
            </span>
          </li>
        ))}
      </ul>
      {c && c.results.length > 0 && (
        <>
          <h3>Answered here</h3>
          <ul class="list" aria-label="Answered requests">
            {c.results.map((r) => (
              <li class="list-item" key={r.key} data-testid="cosign-result" data-outcome={r.outcome}>
                <span class="grow">
                  {r.what} · {r.vaultName}
                </span>
                <span class="small">{r.outcome}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <div class="actions single">
        <button class="button" onClick={onDone}>
          Stop co-signing
        </button>
      </div>
    </section>
  );
}

function CosignRequest({ request, more, run }: { request: PendingRequest; more: number; run: Run }) {
  const [error, setError] = useState<string | null>(null);
  const waiting = request.phase === 'waiting';
  const decide = async (approve: boolean) => setError(await run({ type: 'decideCosign', key: request.key, approve }));
  return (
    <section class="screen approval" data-testid="cosign-request" data-phase={request.phase}>
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
      <ErrorText error={error} />
      {waiting ? (
        <div class="actions">
          <button class="button" onClick={() => void decide(false)}>
            Reject
          </button>
          <button class={willFail(request.view) ? 'button approve-anyway' : 'button primary'} onClick={() => void decide(true)}>
            {willFail(request.view) ? 'Approve anyway' : 'Approve'}
          </button>
        </div>
      ) : (
        <p class="progress">Co-signing…</p>
      )}
    </section>
  );
}
