/** Sites that can see the vault's address; each can be disconnected. */
import type { ConnectedSite } from '../../shared/popup-api';
import type { Run } from '../App';
import { shortAddress } from '../../ui/Address';

export function ConnectedSites({ sites, run }: { sites: ConnectedSite[]; run: Run }) {
  return (
    <section class="screen sites">
      <h2>Connected sites</h2>
      {sites.length === 0 ? (
        <p class="muted empty">No site is connected. Sites appear here once you approve their connection request.</p>
      ) : (
        <ul class="list" aria-label="Connected sites">
          {sites.map((s) => (
            <li key={s.origin} class="list-item" data-testid="site">
              <div class="grow">
                <div class="site-origin">{s.origin}</div>
                <div class="muted small">
                  {s.accounts.map(shortAddress).join(', ')} ·{' '}
                  {new Date(s.grantedAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}
                </div>
              </div>
              <button
                class="button small danger"
                aria-label={`Disconnect ${s.origin}`}
                onClick={() => void run({ type: 'disconnectSite', origin: s.origin })}
              >
                Disconnect
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
