/** A request waiting for the user: connect a site, or add a network. */
import { useState } from 'preact/hooks';
import { WALLET_ORIGIN, type ApprovalView, type WalletState } from '../../shared/popup-api';
import type { Run } from '../App';
import { Address, shortAddress } from '../../ui/Address';
import { ErrorText } from '../../ui/ErrorText';
import { CosignLink } from '../components/CosignLink';
import { SignBody, willFail } from '../../ui/SignRequest';

export function Approvals({ state, run }: { state: WalletState; run: Run }) {
  const approval = state.approvals[0]!;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const progress = approval.kind === 'sign' && state.signing?.approvalId === approval.id ? state.signing : null;
  const failing = approval.kind === 'sign' && willFail(approval.sign);
  // A connect request: which accounts of the active vault to connect (the active one unless the user picks others).
  const [chosen, setChosen] = useState<string[]>(() => (state.vault ? [state.vault.account.address] : []));
  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    // Only accounts of the vault shown now (it may have changed since the screen opened).
    const mine = chosen.filter((a) => state.vault?.accounts.some((x) => x.address === a));
    const accounts = approval.kind === 'connect' && approve && mine.length ? { accounts: mine } : {};
    setError(await run({ type: 'decideApproval', id: approval.id, approve, ...accounts }));
    setBusy(false);
  };
  return (
    <section class="screen approval" data-testid="approval" data-kind={approval.kind} data-id={approval.id}>
      {state.approvals.length > 1 && <p class="muted small">Request 1 of {state.approvals.length}</p>}
      <div class="site">
        <div class="site-icon" aria-hidden="true">
          {siteInitial(approval.origin)}
        </div>
        <div class="site-origin" data-testid="approval-origin">
          {approval.origin === WALLET_ORIGIN ? 'You, from the Send screen' : approval.origin}
        </div>
      </div>
      {approval.sign?.replaces && (
        <p class="notice" data-testid="approval-replaces">
          {approval.sign.replaces.mode === 'cancel' ? 'Cancel' : 'Speed up'} of your pending transaction{' '}
          <code>{shortAddress(approval.sign.replaces.hash)}</code>: same nonce, higher fees. Whichever is mined first counts; the other
          never will be.
        </p>
      )}
      {approval.kind === 'connect' ? (
        <ConnectBody state={state} chosen={chosen} onChosen={setChosen} />
      ) : approval.kind === 'sign' && approval.sign ? (
        <>
          {/* Waiting for the co-signers: the way to reach a phone whose page is closed comes first. */}
          {progress?.cosignLink && <CosignLink link={progress.cosignLink} />}
          <SignBody sign={approval.sign} method={approval.method} progress={progress} approvalId={approval.id} run={run} />
        </>
      ) : approval.kind === 'watchAsset' ? (
        <WatchAssetBody approval={approval} />
      ) : (
        <AddChainBody approval={approval} />
      )}
      <ErrorText error={error} />
      <div class="actions">
        <button class="button" disabled={busy} onClick={() => void decide(false)}>
          Reject
        </button>
        <button
          class={failing ? 'button approve-anyway' : 'button primary'}
          disabled={busy || (approval.kind === 'connect' && !chosen.length)}
          onClick={() => void decide(true)}
        >
          {approval.kind === 'connect'
            ? 'Connect'
            : approval.kind === 'addChain'
              ? 'Add network'
              : approval.kind === 'watchAsset'
                ? 'Add token'
                : busy
                  ? 'Co-signing…'
                  : failing
                    ? 'Approve anyway'
                    : approval.method === 'eth_sendTransaction' || approval.method === 'solana_signAndSendTransaction'
                      ? 'Approve and send'
                      : 'Approve and sign'}
        </button>
      </div>
    </section>
  );
}

function ConnectBody({ state, chosen, onChosen }: { state: WalletState; chosen: string[]; onChosen: (a: string[]) => void }) {
  const vault = state.vault!;
  const toggle = (address: string, on: boolean) =>
    onChosen(vault.accounts.map((a) => a.address).filter((a) => (a === address ? on : chosen.includes(a))));
  return (
    <>
      <h2>Connect to this site?</h2>
      <p class="muted">
        The site will see the {vault.accounts.length > 1 ? 'accounts you choose' : 'address'} and your network, and can ask you to approve
        transactions.
      </p>
      <div class="card">
        {vault.accounts.length > 1 ? (
          <ul class="list connect-accounts" aria-label="Accounts to connect">
            {vault.accounts.map((a) => (
              <li key={a.index} class="row">
                <label class="row">
                  <input
                    type="checkbox"
                    aria-label={`Connect ${a.name}`}
                    checked={chosen.includes(a.address)}
                    onChange={(e) => toggle(a.address, (e.target as HTMLInputElement).checked)}
                  />
                  <span>{a.name}</span>
                </label>
                <Address address={a.address} />
              </li>
            ))}
          </ul>
        ) : (
          <div class="row">
            <span>{vault.name}</span>
            <Address address={vault.account.address} />
          </div>
        )}
      </div>
      <p class="muted">It cannot move funds without your approval. You can disconnect it any time under Sites.</p>
    </>
  );
}

function WatchAssetBody({ approval }: { approval: ApprovalView }) {
  const a = approval.asset!;
  return (
    <>
      <h2>Add a token?</h2>
      <p class="muted">The site suggests following this token. Its symbol and decimals were read from the contract itself.</p>
      <dl class="card facts">
        <dt>Symbol</dt>
        <dd data-testid="asset-symbol">{a.symbol}</dd>
        <dt>Contract</dt>
        <dd class="break">
          <Address address={a.address} />
        </dd>
        <dt>Decimals</dt>
        <dd>{a.decimals}</dd>
        <dt>Network</dt>
        <dd>{a.networkName}</dd>
      </dl>
    </>
  );
}

function AddChainBody({ approval }: { approval: ApprovalView }) {
  const n = approval.network!;
  return (
    <>
      <h2>Add a network?</h2>
      <p class="muted">The site asks to add this network and switch to it. A malicious network can lie about balances and transactions.</p>
      <dl class="card facts">
        <dt>Name</dt>
        <dd data-testid="network-to-add">{n.name}</dd>
        <dt>Chain ID</dt>
        <dd>{BigInt(n.chainId).toString(10)}</dd>
        <dt>RPC URL</dt>
        <dd class="break">{n.rpcUrl}</dd>
        <dt>Currency</dt>
        <dd>{n.currencySymbol}</dd>
      </dl>
    </>
  );
}

/** The first letter of the site's host name, or a globe for IP addresses. */
function siteInitial(origin: string): string {
  const host = hostOf(origin);
  return /^[a-z]/i.test(host) && !/^\d+(\.\d+){3}$/.test(host) ? host[0]!.toUpperCase() : '◎';
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
}
