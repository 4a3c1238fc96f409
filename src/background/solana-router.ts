/**
 * The page's Solana methods (`solana_*`, sent by the Wallet Standard wallet
 * of content/solana-wallet.ts over the same bridge as EIP-1193 requests).
 * Permissions are the site's Tandem connection (background/permissions.ts):
 * a site connected to the vault sees both its Ethereum and its Solana
 * account; connecting asks with the same approval. Signing requests become
 * approvals of kind `sign` with a Solana view, co-signed by TssSigner;
 * `solana_signAndSendTransaction` is then sent through the Solana RPC set in
 * Settings (solana-send.ts). A watch-only address has no Solana account:
 * connecting and every signing method are refused before the user is asked
 * (4100, `data.code` 'vault.watchOnly').
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { RpcRequest } from '../shared/page-channel';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import { solanaSignView } from '../shared/solana-sign-view';
import { ask, type RequestContext, type RouterDeps } from './router-deps';
import { visibleAccounts } from './rpc-accounts';
import { parseSignInInput, signInMessageText } from './solana-sign-in';
import { planSolanaSend } from './solana-send';
import { solanaRequestFromPage } from './solana-signing';
import type { SolanaTransactionRequest } from '../session/solana-signing-request';

export const SOLANA_METHODS = new Set([
  'solana_connect',
  'solana_accounts',
  'solana_disconnect',
  'solana_signMessage',
  'solana_signTransaction',
  'solana_signAndSendTransaction',
  'solana_signIn',
]);

export interface SolanaDeps {
  /** The active co-signed vault's Solana address while unlocked, else null. */
  address(): Promise<string | null>;
  /** The Solana RPC URL set in Settings, or null (then nothing is sent). */
  rpcUrl(): Promise<string | null>;
}

/** The Solana accounts this origin may see now: its vault's address while connected and unlocked, else []. */
async function visible(deps: RouterDeps, solana: SolanaDeps, origin: string): Promise<string[]> {
  if (!(await visibleAccounts(deps, origin)).length) return [];
  const a = await solana.address();
  return a ? [a] : [];
}

export async function routeSolana(
  deps: RouterDeps,
  solana: SolanaDeps | undefined,
  ctx: RequestContext,
  req: RpcRequest,
): Promise<unknown> {
  const { method } = req;
  if (!solana || !SOLANA_METHODS.has(method)) throw rpcErrors.unsupported(method);
  const origin = ctx.origin;
  switch (method) {
    case 'solana_accounts':
      return visible(deps, solana, origin);
    case 'solana_disconnect':
      // The page forgets the account; the site stays connected until the user disconnects it in Tandem.
      return null;
    case 'solana_connect': {
      // A watch-only address is an Ethereum address: there is no Solana account to connect.
      if (await deps.wallet.isWatchOnly()) throw rpcErrors.watchOnly(method);
      const now = await visible(deps, solana, origin);
      if (now.length) return now;
      const p = (req.params ?? {}) as { onlyIfTrusted?: unknown };
      if (p.onlyIfTrusted === true)
        throw new ProviderRpcError(RpcErrorCode.userRejected, 'solana_connect: this site is not connected to Tandem.');
      await ask(deps, { kind: 'connect', origin, method, reply: ctx.reply });
      const after = await visible(deps, solana, origin);
      if (!after.length)
        throw new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: this vault has no Solana account (unlock Tandem and retry).`);
      return after;
    }
    default: {
      const [account] = await visible(deps, solana, origin);
      if (!(await deps.permissions.isConnected(origin))) throw rpcErrors.unauthorized(method);
      if (await deps.wallet.isWatchOnly()) throw rpcErrors.watchOnly(method);
      if (!account) throw new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: Tandem is locked. Unlock it in the popup and retry.`);
      const reply = ctx.reply ? { reply: ctx.reply } : {};
      if (method === 'solana_signIn') {
        // Sign-In With Solana: the text is built here from the input, for this page's host only (solana-sign-in.ts).
        const input = parseSignInInput(method, (req.params as { input?: unknown } | undefined)?.input);
        const text = signInMessageText(method, input, origin, account);
        const message = bytesToHex(new TextEncoder().encode(text));
        const request = solanaRequestFromPage('solana_signMessage', { message }, account);
        const signed = await ask(deps, { kind: 'sign', origin, method, sign: solanaSignView(request), ...reply });
        return { ...(signed as object), address: account, message };
      }
      if (method === 'solana_signAndSendTransaction') {
        // Checked before the user is asked: the options, the other signers, an RPC URL serving the page's chain.
        const request = solanaRequestFromPage(method, req.params, account) as SolanaTransactionRequest;
        const send = await planSolanaSend(method, req.params, request, await solana.rpcUrl());
        return ask(deps, { kind: 'sign', origin, method, sign: solanaSignView(request, send), ...reply });
      }
      const request = solanaRequestFromPage(method, req.params, account);
      const sign = solanaSignView(request);
      return ask(deps, { kind: 'sign', origin, method, sign, ...reply });
    }
  }
}
