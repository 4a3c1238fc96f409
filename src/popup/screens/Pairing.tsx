/**
 * Key generation with other devices: the QR code and pairing text to join
 * with, the devices that joined, progress, and the vault's address at the
 * end (or why it failed: nothing is stored then).
 */
import { useState } from 'preact/hooks';
import type { CeremonyView } from '../../shared/popup-api';
import type { Run } from '../App';
import { Address } from '../../ui/Address';
import { ErrorText } from '../../ui/ErrorText';
import { QrCode } from '../components/QrCode';
import { useCopy } from '../../ui/use-copy';

export function Pairing({ ceremony, run }: { ceremony: CeremonyView; run: Run }) {
  const [copied, copy] = useCopy();
  const [error, setError] = useState<string | null>(null);

  const close = async () => setError(await run({ type: 'closeCeremony' }));

  const others = Array.from({ length: ceremony.joiners }, (_, i) => ceremony.joined[i] ?? null);
  const reshare = ceremony.kind === 'reshare';
  return (
    <section class="screen pairing" data-testid="pairing" data-status={ceremony.status}>
      <h2>
        {ceremony.status === 'done'
          ? reshare
            ? 'Re-share complete'
            : 'Your vault is ready'
          : ceremony.status === 'failed'
            ? reshare
              ? 'Re-share stopped'
              : 'Key generation stopped'
            : ceremony.joining
              ? `Joining ${reshare ? 'the re-share of ' : ''}“${ceremony.name}”`
              : reshare
                ? 'Re-share: pair the devices'
                : `Pair ${ceremony.joiners === 1 ? 'your other device' : `${ceremony.joiners} devices`}`}
      </h2>
      <p class="muted small">
        “{ceremony.name}” · {reshare && ceremony.status !== 'done' ? 'afterwards ' : ''}
        {ceremony.t} of {ceremony.n} devices sign
      </p>
      {reshare && ceremony.status === 'waiting' && (
        <p class="muted small">
          Every device of the new set joins: the vault's current devices that stay, and each new one. A lost device simply does not join;
          its old share stops working with the new ones.
        </p>
      )}

      {ceremony.status === 'waiting' && ceremony.pairing && (
        <>
          <QrCode text={ceremony.link} alt="Pairing QR code" testId="pairing-qr" />
          <p class="muted small center">
            Scan with your phone, or run <code>tandem-cosigner join &lt;pairing&gt;</code> with this text:
          </p>
          <div class="pairing-text">
            <code class="break" data-testid="pairing-text">
              {ceremony.pairing}
            </code>
            <button class="button small" onClick={() => void copy(ceremony.pairing)}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          <p class="muted small">Anyone with this code can join until all devices are in: share it only with your own devices.</p>
        </>
      )}

      <ul class="list devices" aria-label="Devices">
        <li class="list-item device">
          <span class="device-dot ok" aria-hidden="true" />
          <span class="grow">This browser{ceremony.joining ? ' (joined)' : ''}</span>
          <span class="muted small">{ceremony.thisDevice}</span>
        </li>
        {others.map((d, i) => (
          <li class="list-item device" key={i} data-testid={d ? 'device-joined' : 'device-waiting'}>
            <span class={`device-dot ${d ? 'ok' : ceremony.status === 'failed' ? 'off' : 'wait'}`} aria-hidden="true" />
            <span class="grow">
              {d
                ? ceremony.joining
                  ? 'Taking part'
                  : 'Joined'
                : ceremony.status === 'failed'
                  ? 'Did not join'
                  : `Waiting for ${reshare ? 'a device' : `device ${i + 2}`}…`}
            </span>
            {d && <span class="muted small">{d}</span>}
          </li>
        ))}
      </ul>

      {ceremony.progress && ceremony.status !== 'failed' && (
        <p class="progress" data-testid="ceremony-progress" aria-live="polite">
          {ceremony.status === 'running' && <span class="spinner" aria-hidden="true" />}
          {ceremony.progress}
        </p>
      )}
      {ceremony.status === 'done' && ceremony.address && (
        <div class="card">
          <div class="muted small">Vault address</div>
          <span data-testid="new-vault-address">
            <Address address={ceremony.address} full />
          </span>
        </div>
      )}
      {ceremony.status === 'failed' && (
        <p class="error" role="alert" data-testid="ceremony-error">
          {ceremony.error}
        </p>
      )}
      <ErrorText error={error} />
      <div class="actions single">
        {ceremony.status === 'done' ? (
          <button class="button primary" onClick={() => void close()}>
            Open wallet
          </button>
        ) : ceremony.status === 'failed' ? (
          <button class="button" onClick={() => void close()}>
            Back
          </button>
        ) : (
          <button class="button" onClick={() => void close()} disabled={ceremony.status === 'running'}>
            Cancel
          </button>
        )}
      </div>
    </section>
  );
}
