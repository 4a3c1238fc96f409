/**
 * A Solana request on an approval screen (the popup and the phone): the
 * instructions as every co-signer decodes them, warnings first; a message
 * as text, or hex with a warning.
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
      <h2>Solana transaction</h2>
      {s.warnings.map((w, i) => (
        <div key={i} class="warning" role="alert" data-testid="solana-warning">
          {w}
        </div>
      ))}
      <dl class="card facts">
        <dt>Sends</dt>
        <dd data-testid="solana-sends">
          <strong>{s.sendsSol} SOL</strong>
        </dd>
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
