/** Unlocked: the vaults on this phone, whether each listens for requests, and recent activity. */
import { Address } from '../../../ui/Address';
import { StorageNotice } from '../components/StorageNotice';
import type { PhoneController } from '../controller';
import type { ChannelStatus, RequestResult } from '../../../shared/signing-service';

/** What the activity list says became of a request (an expired or withdrawn one did not fail). */
const OUTCOME_LABEL: Record<RequestResult['outcome'], string> = {
  signed: 'Signed',
  rejected: 'Rejected',
  'not-needed': 'Approved',
  failed: 'Failed',
  expired: 'Expired',
  withdrawn: 'Withdrawn',
};

export function Home({ controller }: { controller: PhoneController }) {
  const s = controller.state;
  const results = controller.signing.results;
  return (
    <section class="screen" data-testid="home">
      {s.vaults.length === 0 ? (
        <div class="card empty" data-testid="no-vaults">
          <strong>No vault on this phone</strong>
          <p class="muted small">Scan the pairing QR code in the Tandem extension, or restore a backup (Backup tab).</p>
        </div>
      ) : (
        <>
          <StorageNotice persistence={s.persistence} />
          <ul class="list" aria-label="Vaults">
            {s.vaults.map((v) => (
              <li key={v.id} class="list-item column vault-item" data-testid="vault-item">
                <div class="vault-title">
                  <strong>{v.name}</strong>
                  <span class="badge badge-tss">
                    {v.t} OF {v.n}
                  </span>
                </div>
                <Address address={v.address} />
                <ListenStatus status={controller.signing.status(v.id)} onRetry={() => void controller.retry(v.id)} />
              </li>
            ))}
          </ul>
        </>
      )}
      {s.loadErrors.map((e, i) => (
        <p key={i} class="error" role="alert">
          {e}
        </p>
      ))}
      {results.length > 0 && (
        <>
          <h3>Recent requests</h3>
          <ul class="list" aria-label="Recent requests" data-testid="activity">
            {results.map((r) => (
              <li key={r.key} class="list-item column" data-testid="activity-item" data-outcome={r.outcome}>
                <div class="row">
                  <strong>{r.what}</strong>
                  <span
                    class={`small outcome-${r.outcome} ${r.outcome === 'signed' ? 'ok' : r.outcome === 'failed' || r.outcome === 'rejected' ? '' : 'muted'}`}
                  >
                    {OUTCOME_LABEL[r.outcome]}
                  </span>
                </div>
                <span class="muted small">
                  {r.vaultName} · {new Date(r.at).toLocaleTimeString()}
                  {r.outcome === 'failed' && r.detail ? ` · ${r.detail}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function ListenStatus({ status, onRetry }: { status: ChannelStatus | undefined; onRetry: () => void }) {
  if (!status || status.state === 'connecting')
    return (
      <span class="muted small listen" data-testid="listen-status" data-state="connecting">
        <span class="dot dot-local" /> Connecting to the relay…
      </span>
    );
  if (status.state === 'listening')
    return (
      <span class="small listen ok" data-testid="listen-status" data-state="listening">
        <span class="dot dot-live" /> Ready: requests appear here while this page is open
      </span>
    );
  return (
    <span class="small listen-offline" data-testid="listen-status" data-state="offline" title={status.detail}>
      <span class="error">{status.error}</span>
      <button class="button small" onClick={onRetry}>
        Try again
      </button>
    </span>
  );
}
