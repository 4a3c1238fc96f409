/**
 * A Solana request on an approval screen (the popup and the phone): the
 * instructions as every co-signer decodes them, warnings first; a message
 * as text, or hex with a warning. A transaction to be sent says where.
 */
import type { SignView } from '../shared/popup-api';

export function SolanaSignBody({ sign }: { sign: SignView }) {
  const s = sign.solana!;
  if (s.kind === 'message') {
    const m = s.message!;
    return (
      <>
        <h2>Sign a Solana message</h2>
        <p class="muted small">Signing proves you control this vault's Solana account. Only sign messages you understand.</p>
        <div class="message-box" data-testid="sign-message">
          {m.text}
        </div>
        {m.isHex && <p class="muted small">This message is not text (shown as hex): it could be anything. Be careful.</p>}
      </>
    );
  }
  return (
    <>
      <h2>{s.send ? 'Send a Solana transaction' : 'Solana transaction'}</h2>
      {s.send && (
        <p class="muted small" data-testid="solana-send-notice">
          Once your co-signer approves, Tandem also sends it to {clusterName(s.send.chain)} through your Solana RPC ({hostOf(s.send.rpcUrl)}
          ).
        </p>
      )}
      {s.warnings.map((w, i) => (
        <div key={i} class="warning" role="alert" data-testid="solana-warning">
          {w}
        </div>
      ))}
      <dl class="card facts">
        <dt>Sends</dt>
        {/* SOL unless the transaction only moves tokens; each token in its units (the mint has no symbol on chain). */}
        {(s.sendsSol !== '0' || !s.sendsTokens?.length) && (
          <dd data-testid="solana-sends">
            <strong>{s.sendsSol} SOL</strong>
          </dd>
        )}
        {s.sendsTokens?.map((t, i) => (
          <dd key={i} class="break" data-testid="solana-sends-token">
            <strong>{t.amount}</strong> {t.mint ? `of the token with mint ${t.mint}` : 'of a token the transaction does not name'}
          </dd>
        ))}
      </dl>
      <ul class="card solana-instructions" data-testid="solana-instructions">
        {s.instructions.map((l, i) => (
          <li key={i} class="small">
            {l}
          </li>
        ))}
      </ul>
    </>
  );
}

/** `solana:devnet` → `Solana devnet`. */
function clusterName(chain: string): string {
  return `Solana ${chain.replace(/^solana:/, '')}`;
}

/** The RPC's host only: a path or query may carry an API key. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
