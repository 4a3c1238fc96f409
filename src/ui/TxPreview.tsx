/**
 * A transaction's preview as this device's node answered it
 * (shared/tx-preview.ts): the failure first, in red, when the pre-flight
 * says it will fail; then the pre-flight, the gas estimate, the largest gas
 * fee and the balance changes, each saying "unavailable" (and why) when the
 * node could not tell.
 */
import type { TxPreview } from '../shared/tx-preview';
import { formatChange } from '../shared/units';

/** The red banner of a transaction whose pre-flight fails (shown above everything else). */
export function PreviewFailure({ preview }: { preview: TxPreview | undefined }) {
  if (preview?.preflight.status !== 'fails') return null;
  return (
    <div class="preview-fail" role="alert" data-testid="preview-fails">
      <div class="preview-fail-title">This transaction will fail: {preview.preflight.reason}</div>
      <p>
        Checked against the latest block{preview.block !== undefined ? ` (${preview.block})` : ''}. If you approve anyway, it is still
        co-signed and sent, and its gas is paid for nothing.
      </p>
    </div>
  );
}

/** What the balance changes cannot see, or why there are none (a failing pre-flight says so above already). */
function note(b: TxPreview['balances']): string | undefined {
  if (b.status === 'known') return b.source === 'reverts' ? undefined : b.note;
  return b.why.startsWith('preview unavailable')
    ? 'This node cannot simulate transactions: only a plain transfer or an ERC-20 call can be read from the transaction itself.'
    : undefined;
}

export function PreviewFacts({ preview, maxGasFee, symbol }: { preview: TxPreview | undefined; maxGasFee: string; symbol: string }) {
  if (!preview)
    return (
      <p class="muted small" data-testid="tx-preview">
        Preview unavailable.
      </p>
    );
  const { preflight, gasEstimate, balances } = preview;
  return (
    <dl class="card facts preview" data-testid="tx-preview" data-preflight={preflight.status}>
      <dt>Pre-flight</dt>
      <dd
        data-testid="preview-preflight"
        class={preflight.status === 'fails' ? 'preview-bad' : preflight.status === 'ok' ? 'preview-ok' : 'muted'}
      >
        {preflight.status === 'ok' ? 'Succeeds now' : preflight.status === 'fails' ? 'Will fail' : `Unavailable: ${preflight.why}`}
      </dd>
      <dt>Gas estimate</dt>
      <dd data-testid="preview-gas" class={gasEstimate.status === 'ok' ? '' : 'muted'}>
        {gasEstimate.status === 'ok' ? Number(gasEstimate.gas).toLocaleString('en-US') : 'unavailable'}
      </dd>
      <dt>Gas fee, at most</dt>
      <dd data-testid="preview-max-fee">
        {maxGasFee} {symbol}
      </dd>
      <dt>Balance changes</dt>
      <dd data-testid="preview-balances" class={balances.status === 'known' ? '' : 'muted'}>
        {balances.status === 'unavailable' ? (
          balances.why.startsWith('preview unavailable') ? (
            'Preview unavailable on this network'
          ) : (
            `Unavailable: ${balances.why}`
          )
        ) : (
          <ul class="preview-changes">
            {balances.changes.map((c) => (
              <li key={c.asset} class={BigInt(c.amount) < 0n ? 'preview-out' : 'preview-in'}>
                {formatChange(c, symbol)}
              </li>
            ))}
            <li class="muted">{balances.changes.length ? 'and the gas fee' : 'none but the gas fee'}</li>
          </ul>
        )}
      </dd>
      {note(balances) && <dd class="preview-note muted small">{note(balances)}</dd>}
    </dl>
  );
}
