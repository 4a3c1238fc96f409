/** Send SOL from the Solana card: recipient and amount; the approval and co-signing screens come next, as for a page's request. */
import { useState } from 'preact/hooks';
import type { Run } from '../App';
import { ErrorText } from '../../ui/ErrorText';

export function SendSol({ run, onDone }: { run: Run; onDone: () => void }) {
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const err = await run({ type: 'sendSol', to, amount });
    setBusy(false);
    if (err) setError(err);
    else onDone();
  };
  return (
    <form class="send-sol" onSubmit={submit} aria-label="Send SOL">
      <h3>Send SOL</h3>
      <p class="muted small">Through your Solana RPC. You review it next; then your co-signer approves, and Tandem sends it.</p>
      <label class="field">
        <span>Recipient Solana address</span>
        <input value={to} spellcheck={false} placeholder="Base58 address" onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Amount (SOL)</span>
        <input value={amount} inputMode="decimal" placeholder="0.0" onInput={(e) => setAmount((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorText error={error} />
      <div class="actions">
        <button class="button" type="button" onClick={onDone}>
          Cancel
        </button>
        <button class="button primary" type="submit" disabled={busy || !to.trim() || !amount.trim()}>
          {busy ? 'Preparing…' : 'Review'}
        </button>
      </div>
    </form>
  );
}
