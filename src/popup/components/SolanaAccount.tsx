/**
 * Home's Solana card: the co-signed vault's Solana address (its EdDSA group
 * key, docs/solana.md) with copy and a QR code, and, when a Solana RPC URL
 * is set, its balance (with the cluster that RPC serves) and Send SOL.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SolanaBalanceView } from '../../shared/popup-api';
import { sendCommand } from '../api';
import { Address } from '../../ui/Address';
import type { Run } from '../App';
import { QrCode } from './QrCode';
import { SendSol } from './SendSol';

export function SolanaAccount({ vaultId, rpcUrl, run }: { vaultId: string; rpcUrl: string | null; run: Run }) {
  const [address, setAddress] = useState<string | null>(null);
  const [qr, setQr] = useState(false);
  const [sending, setSending] = useState(false);
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
      <SolanaBalance key={`${vaultId} ${rpcUrl}`} rpcUrl={rpcUrl} />
      {qr && <QrCode text={address} alt="QR code of the vault's Solana address" testId="solana-qr" />}
      {sending ? (
        <SendSol run={run} onDone={() => setSending(false)} />
      ) : (
        rpcUrl && (
          <button type="button" class="button small" onClick={() => setSending(true)}>
            Send SOL
          </button>
        )
      )}
      <p class="muted small">One Solana account per vault, co-signed like the Ethereum one.</p>
    </div>
  );
}

/** The balance through the Solana RPC set in Settings; says so honestly when there is none, or it failed. */
function SolanaBalance({ rpcUrl }: { rpcUrl: string | null }) {
  const [balance, setBalance] = useState<SolanaBalanceView | 'error' | null>(null);
  useEffect(() => {
    let live = true;
    if (rpcUrl) void sendCommand('getSolanaBalance').then((r) => live && setBalance(r.ok && r.result ? r.result : 'error'));
    return () => void (live = false);
  }, [rpcUrl]);
  return (
    <div class="balance" data-testid="solana-balance">
      {!rpcUrl ? (
        <span class="muted small">Set a Solana RPC URL in Settings to see the balance.</span>
      ) : balance === 'error' ? (
        <span class="muted small">Balance unavailable: the Solana RPC did not answer.</span>
      ) : balance ? (
        <>
          {trimSol(balance.sol)} SOL
          <span class="muted small" data-testid="solana-cluster">
            on Solana {balance.chain.replace(/^solana:/, '')}
          </span>
        </>
      ) : (
        '…'
      )}
    </div>
  );
}

/** Up to 6 decimals, without trailing zeros (as Home shows the Ethereum balance). */
function trimSol(v: string): string {
  const [i, f = ''] = v.split('.');
  const frac = f.slice(0, 6).replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i!;
}
