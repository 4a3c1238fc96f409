/** Key generation or re-share in progress, done (address, back up now) or failed (nothing stored). */
import { Address } from '../../../ui/Address';
import { StorageNotice } from '../components/StorageNotice';
import type { PhoneController } from '../controller';
import type { CeremonyState } from '../phone-state';

export function Ceremony({ ceremony, controller }: { ceremony: CeremonyState; controller: PhoneController }) {
  const keygen = ceremony.info.kind === 'keygen';
  return (
    <section class="screen" data-testid="ceremony" data-status={ceremony.status}>
      <h2>
        {ceremony.status === 'running'
          ? keygen
            ? 'Creating the vault…'
            : 'Re-sharing…'
          : ceremony.status === 'done'
            ? keygen
              ? 'Vault ready'
              : 'Re-share complete'
            : keygen
              ? 'Key generation stopped'
              : 'Re-share stopped'}
      </h2>
      <p class="muted small">
        “{ceremony.info.name}” ·{' '}
        {ceremony.quorum
          ? `${ceremony.quorum.t} of ${ceremony.quorum.n}`
          : ceremony.info.n
            ? `${ceremony.info.t} of ${ceremony.info.n}`
            : ceremony.info.t}{' '}
        devices sign
      </p>
      {ceremony.status !== 'failed' && (
        <p class="progress" data-testid="ceremony-progress" aria-live="polite">
          {ceremony.status === 'running' && <span class="spinner" aria-hidden="true" />}
          {ceremony.progress}
        </p>
      )}
      {ceremony.status === 'running' && <p class="muted small">Keep this page open and the screen on until it is done.</p>}
      {ceremony.status === 'done' && ceremony.address && (
        <>
          <div class="card">
            <div class="muted small">Vault address (the same in the extension)</div>
            <span data-testid="phone-vault-address">
              <Address address={ceremony.address} full />
            </span>
          </div>
          {ceremony.replaced && (
            <div class="warning" role="alert" data-testid="old-backup-warning">
              Earlier backups of this phone's share no longer work with the other devices. Export a new backup (Backup tab).
            </div>
          )}
          <StorageNotice persistence={controller.state.persistence} />
        </>
      )}
      {ceremony.status === 'failed' && (
        <p class="error" role="alert" data-testid="ceremony-error">
          {ceremony.error}
        </p>
      )}
      <div class="actions single">
        <button
          class={`button ${ceremony.status === 'done' ? 'primary' : ''}`}
          onClick={() => controller.closeCeremony()}
          disabled={ceremony.status === 'running'}
        >
          {ceremony.status === 'done' ? 'Done' : ceremony.status === 'failed' ? 'Back' : 'Working…'}
        </button>
      </div>
    </section>
  );
}
