/**
 * What a dApp asks the vault to sign, decoded: a transaction (recipient,
 * value, network, fees, known ERC-20 calls with unlimited approvals called
 * out, this device's preview with a failing pre-flight in red), a personal_sign message, or EIP-712 typed data as a tree under its
 * domain. Shows the co-signing progress once approved.
 */
import { useState } from 'preact/hooks';
import type { RunCommand as Run, SignView, SigningProgress } from '../shared/popup-api';
import { Address, shortAddress } from './Address';
import { ErrorText } from './ErrorText';
import { SolanaSignBody } from './SolanaSignBody';
import { PreviewFacts, PreviewFailure } from './TxPreview';

/** True when this device's pre-flight says the transaction will fail (its Approve button says "anyway"). */
export function willFail(sign: SignView | undefined): boolean {
  return sign?.transaction?.preview?.preflight.status === 'fails';
}

/** `approvalId` and `run` (the extension's approval screen) enable editing the fees; without them the body is read-only. */
export function SignBody({
  sign,
  method,
  progress,
  approvalId,
  run,
}: {
  sign: SignView;
  method: string;
  progress: SigningProgress | null;
  approvalId?: string;
  run?: Run;
}) {
  return (
    <>
      {sign.solana ? (
        <SolanaSignBody sign={sign} />
      ) : sign.transaction ? (
        <TransactionBody sign={sign} approvalId={approvalId} run={run} locked={!!progress} />
      ) : sign.message ? (
        <MessageBody sign={sign} />
      ) : (
        <TypedDataBody sign={sign} />
      )}
      <dl class="card facts">
        <dt>Network</dt>
        <dd data-testid="sign-network">{sign.networkName}</dd>
        <dt>From</dt>
        <dd data-testid="sign-account">
          {sign.accountName && <div class="small">{sign.accountName}</div>}
          <Address address={sign.account} />
          {sign.accountPath && <div class="muted small">key path {sign.accountPath}, derived on this device</div>}
        </dd>
        <dt>Method</dt>
        <dd class="small">{method}</dd>
      </dl>
      {progress && (
        <ul class="steps" data-testid="signing-progress" aria-live="polite">
          {progress.steps.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function TransactionBody({
  sign,
  approvalId,
  run,
  locked: busy,
}: {
  sign: SignView;
  approvalId?: string | undefined;
  run?: Run | undefined;
  locked: boolean;
}) {
  const locked = busy || !approvalId || !run;
  const tx = sign.transaction!;
  const sym = sign.currencySymbol;
  const [editing, setEditing] = useState(false);
  return (
    <>
      <h2>
        {tx.call
          ? tx.call.method === 'approve'
            ? 'Token approval'
            : 'Token transfer'
          : !tx.to
            ? 'Deploy a contract'
            : tx.dataBytes > 0
              ? 'Contract call'
              : 'Send'}
      </h2>
      <PreviewFailure preview={tx.preview} />
      {tx.call?.unlimited && (
        <div class="warning" role="alert" data-testid="unlimited-approval">
          <strong>Unlimited approval.</strong> {shortAddress(tx.call.to)} could spend <em>all</em> of this token in your vault, now and
          later. Approve only an exact amount unless you fully trust it.
        </div>
      )}
      {tx.call ? (
        <dl class="card facts">
          <dt>Token</dt>
          <dd>
            {tx.call.symbol && <strong>{tx.call.symbol} </strong>}
            <Address address={tx.call.token} />
          </dd>
          <dt>{tx.call.method === 'approve' ? 'Spender' : 'To'}</dt>
          <dd>
            <Address address={tx.call.to} />
          </dd>
          <dt>Amount</dt>
          <dd class="break" data-testid="token-amount">
            {tx.call.unlimited
              ? 'Unlimited'
              : tx.call.formatted
                ? `${tx.call.formatted} ${tx.call.symbol}`
                : `${tx.call.amount} (base units)`}
          </dd>
        </dl>
      ) : (
        <div class="card">
          <div class="amount" data-testid="sign-value">
            {tx.value} {sym}
          </div>
          <div class="row">
            <span class="muted">{tx.to ? 'To' : 'Contract creation'}</span>
            {tx.to && (
              <span data-testid="sign-to">
                <Address address={tx.to} />
              </span>
            )}
          </div>
        </div>
      )}
      <PreviewFacts preview={tx.preview} maxGasFee={tx.maxGasFee} symbol={sym} />
      {editing && !locked ? (
        <FeeEditor sign={sign} approvalId={approvalId!} run={run!} onDone={() => setEditing(false)} />
      ) : (
        <dl class="card facts">
          {tx.call && tx.value !== '0.0' && (
            <>
              <dt>Also sends</dt>
              <dd>
                {tx.value} {sym}
              </dd>
            </>
          )}
          <dt>Max fee</dt>
          <dd>{tx.maxFeeGwei} gwei</dd>
          <dt>Priority fee</dt>
          <dd>{tx.maxPriorityFeeGwei} gwei</dd>
          <dt>Gas limit</dt>
          <dd>{tx.gasLimit}</dd>
          <dt>Max total</dt>
          <dd data-testid="sign-max-cost">
            {tx.maxCost} {sym}
          </dd>
          <dt>Nonce</dt>
          <dd>{tx.nonce}</dd>
          {!locked && (
            <>
              <dt />
              <dd>
                <button class="link-button" onClick={() => setEditing(true)}>
                  Edit fees
                </button>
              </dd>
            </>
          )}
          {!tx.call && tx.dataBytes > 0 && (
            <>
              <dt>Data</dt>
              <dd class="break small">
                {tx.dataBytes} bytes {tx.dataPreview}
                {tx.dataBytes > 36 ? '…' : ''}
              </dd>
            </>
          )}
        </dl>
      )}
    </>
  );
}

function FeeEditor({ sign, approvalId, run, onDone }: { sign: SignView; approvalId: string; run: Run; onDone: () => void }) {
  const tx = sign.transaction!;
  const [maxFee, setMaxFee] = useState(tx.maxFeeGwei);
  const [priority, setPriority] = useState(tx.maxPriorityFeeGwei);
  const [gas, setGas] = useState(tx.gasLimit);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    const err = await run({ type: 'adjustFees', id: approvalId, maxFeeGwei: maxFee, maxPriorityFeeGwei: priority, gasLimit: gas });
    setError(err);
    if (!err) onDone();
  };
  return (
    <form class="card column-form" onSubmit={save} aria-label="Fees">
      <label class="field">
        <span>Max fee (gwei per gas)</span>
        <input value={maxFee} inputMode="decimal" onInput={(e) => setMaxFee((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Priority fee (gwei per gas)</span>
        <input value={priority} inputMode="decimal" onInput={(e) => setPriority((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field">
        <span>Gas limit</span>
        <input value={gas} inputMode="numeric" onInput={(e) => setGas((e.target as HTMLInputElement).value)} />
      </label>
      <ErrorText error={error} />
      <div class="actions">
        <button class="button small" type="button" onClick={onDone}>
          Cancel
        </button>
        <button class="button small primary" type="submit">
          Use these fees
        </button>
      </div>
    </form>
  );
}

function MessageBody({ sign }: { sign: SignView }) {
  const m = sign.message!;
  return (
    <>
      <h2>Sign a message</h2>
      <p class="muted small">Signing proves you control this vault. Only sign messages you understand.</p>
      <div class="message-box" data-testid="sign-message">
        {m.text}
      </div>
      {m.isHex && <p class="muted small">This message is not text (shown as hex): it could be anything. Be careful.</p>}
    </>
  );
}

function TypedDataBody({ sign }: { sign: SignView }) {
  const d = sign.typedData!;
  return (
    <>
      <h2>Sign typed data</h2>
      <p class="muted small">
        <strong>{d.primaryType}</strong> for {String(d.domain.name ?? 'an unnamed app')}
      </p>
      <div class="message-box" data-testid="sign-typed-data">
        <div class="muted small">Domain</div>
        <Tree value={d.domain} />
        <div class="muted small">Message</div>
        <Tree value={d.message} />
      </div>
    </>
  );
}

function Tree({ value }: { value: unknown }) {
  if (value === null || typeof value !== 'object') return <span>{String(value)}</span>;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  return (
    <ul class="tree">
      {entries.map(([k, v]) => (
        <li key={k}>
          <span class="key">{k}: </span>
          {v !== null && typeof v === 'object' ? <Tree value={v} /> : <span>{String(v)}</span>}
        </li>
      ))}
    </ul>
  );
}
