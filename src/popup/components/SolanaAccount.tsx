/** Home's Solana card: the co-signed vault's Solana address (its EdDSA group key, docs/solana.md) with copy and a QR code. */
import { useEffect, useState } from 'preact/hooks';
import { sendCommand } from '../api';
import { Address } from '../../ui/Address';
import { QrCode } from './QrCode';

export function SolanaAccount({ vaultId }: { vaultId: string }) {
  const [address, setAddress] = useState<string | null>(null);
  const [qr, setQr] = useState(false);
  useEffect(() => {
    let live = true;
    setAddress(null);
    void sendCommand('getSolanaAccount').then((r) => live && setAddress(r.ok && r.result ? r.result.address : null));
    return () => void (live = false);
  }, [vaultId]);
  if (!address) return null;
  return (
    <div class="card solana-card" data-testid="solana-account">
      <div class="vault-title">
        <h2>Solana</h2>
        <button type="button" class="link-button" onClick={() => setQr(!qr)}>
          {qr ? 'Hide QR' : 'QR code'}
        </button>
      </div>
      <Address address={address} full />
      {qr && <QrCode text={address} alt="QR code of the vault's Solana address" testId="solana-qr" />}
      <p class="muted small">One Solana account per vault, co-signed like the Ethereum one.</p>
    </div>
  );
}
