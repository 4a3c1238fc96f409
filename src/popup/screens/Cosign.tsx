/**
 * The Co-sign screen (docs/browser-cosigner.md): while it is open, this
 * browser answers the signing requests other devices of its vaults send,
 * each decoded and previewed here and shown with the same request view as
 * the approval screen and the phone. It keeps listening while an approval or
 * another tab is shown, until "Stop co-signing" or the last Tandem window closes.
 */
import { useEffect, useState } from 'preact/hooks';
import type { WalletState } from '../../shared/popup-api';
import type { PendingRequest } from '../../shared/signing-service';
import { sendCommand } from '../api';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';
import { CosignRequestView } from '../../ui/CosignRequestView';

export function Cosign({ state, run, onDone }: { state: WalletState; run: Run; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const start = () => void run({ type: 'startCosigning' }).then(setError);
  // Listening goes on while an approval or another tab is shown; it stops with "Stop co-signing" or the last Tandem window.
  useEffect(() => {
    if (!state.cosigning) start();
  }, []);
  const stop = async () => {
    await sendCommand('stopCosigning');
    onDone();
  };
  const c = state.cosigning;
  const request = c?.pending[0];
  if (request) return <CosignRequest key={request.key} request={request} more={c.pending.length - 1} run={run} />;
  return (
    <section class="screen" data-testid="cosign">
      <h2>Co-sign for other devices</h2>
      <p class="muted">
        While this screen is open, this browser answers signing requests that other devices of your vaults send: each is shown here to
        approve or reject. Leave the screen to stop.
      </p>
      <ErrorText error={error} />
      <ul class="list" aria-label="Channels">
        {(c?.channels ?? []).map((ch, i) => (
          <li class="list-item" key={i} data-testid="cosign-channel" data-state={ch.status.state}>
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
      {!c && (
        <p class="muted small" data-testid="cosign-stopped">
          Not listening now (Tandem was locked or restarted).
        </p>
      )}
      <div class="actions">
        <button class="button" onClick={() => void stop()}>
          {c ? 'Stop co-signing' : 'Back'}
        </button>
        {!c && (
          <button class="button primary" onClick={start}>
            Start co-signing
          </button>
        )}
      </div>
    </section>
  );
}

function CosignRequest({ request, more, run }: { request: PendingRequest; more: number; run: Run }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(await run({ type: 'decideCosign', key: request.key, approve }));
    setBusy(false);
  };
  return (
    <CosignRequestView
      request={request}
      more={more}
      onDecide={(approve) => void decide(approve)}
      busy={busy}
      error={error}
      testId="cosign-request"
    />
  );
}
