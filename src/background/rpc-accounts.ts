/**
 * The router's account methods: which accounts a site sees (eth_accounts),
 * EIP-2255 permissions, and personal_ecRecover.
 */
import type { RpcRequest } from '../shared/page-channel';
import { ProviderRpcError, RpcErrorCode, rpcErrors } from '../shared/rpc-errors';
import { walletMessage } from '../shared/wallet-errors';
import { decodeMessageParam, recoverPersonal } from './personal-message';
import type { RouterDeps } from './router-deps';

/**
 * The accounts this origin may see now (EIP-2255, docs/accounts.md): those
 * of its grant that belong to the active vault, while unlocked; the active
 * account first when it is granted (MetaMask's order: dApps take the first
 * as the selected one), then the others in the vault's order. Lower-case
 * hex, as MetaMask answers (dApps such as the MetaMask test-dapp compare
 * them with `===` to what eth-sig-util recovers, which is lower case).
 */
export async function visibleAccounts(deps: Pick<RouterDeps, 'permissions' | 'wallet'>, origin: string): Promise<string[]> {
  const granted = new Set((await deps.permissions.accountsFor(origin)).map((a) => a.toLowerCase()));
  if (!granted.size) return [];
  return (await deps.wallet.accounts()).map((a) => a.toLowerCase()).filter((a) => granted.has(a));
}

/**
 * The account a signing request names (eth_sendTransaction's `from`, the
 * address parameter of personal_sign and eth_signTypedData*), checked
 * against what the site sees; the first visible account when it names none.
 * Naming an account the site was not granted is refused (4100,
 * `account.notGranted`).
 */
export function namedAccount(req: RpcRequest, visible: readonly string[]): string {
  const p = Array.isArray(req.params) ? (req.params as unknown[]) : [];
  const isAddr = (x: unknown): x is string => typeof x === 'string' && /^0x[0-9a-fA-F]{40}$/.test(x);
  let named: unknown;
  if (req.method === 'eth_sendTransaction') named = (p[0] as { from?: unknown } | undefined)?.from;
  else if (req.method === 'personal_sign') named = isAddr(p[1]) ? p[1] : isAddr(p[0]) ? p[0] : undefined;
  else if (req.method === 'eth_signTypedData') named = p[1];
  else if (req.method === 'eth_signTypedData_v3' || req.method === 'eth_signTypedData_v4') named = p[0];
  // A malformed address is left to the signer's checks (invalid params); only a well-formed one picks the account.
  if (!isAddr(named)) return visible[0]!;
  const found = visible.find((a) => a === named.toLowerCase());
  if (!found)
    throw new ProviderRpcError(RpcErrorCode.unauthorized, walletMessage('account.notGranted', { account: named }), {
      code: 'account.notGranted',
    });
  return found;
}

/** EIP-2255 wallet_getPermissions, accounts in the same case as eth_accounts. */
export async function eip2255(deps: Pick<RouterDeps, 'permissions'>, origin: string) {
  return (await deps.permissions.eip2255(origin)).map((p) => ({
    ...p,
    caveats: p.caveats.map((c) => ({ ...c, value: c.value.map((a) => a.toLowerCase()) })),
  }));
}

/** personal_ecRecover [message, signature]: the address whose key signed the EIP-191 message (no key needed). */
export function ecRecover(req: RpcRequest): string {
  const { method, params } = req;
  if (!Array.isArray(params) || params.length < 2 || typeof params[0] !== 'string' || typeof params[1] !== 'string')
    throw rpcErrors.invalidParams(method, 'expected [message, signature]');
  const address = recoverPersonal(decodeMessageParam(params[0]), params[1]);
  if (!address) throw rpcErrors.invalidParams(method, 'the signature is not a valid 65-byte secp256k1 signature');
  return address.toLowerCase();
}

/** EIP-2255: params must be `[{ eth_accounts: {} }]`. */
export function expectPermissionRequest(method: string, params: unknown): void {
  if (!Array.isArray(params) || params.length !== 1) throw rpcErrors.invalidParams(method, 'expected [{ eth_accounts: {} }]');
  const p = params[0];
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw rpcErrors.invalidParams(method, 'expected [{ eth_accounts: {} }]');
  const keys = Object.keys(p);
  if (keys.length !== 1 || keys[0] !== 'eth_accounts')
    throw rpcErrors.invalidParams(method, 'only the eth_accounts permission exists in Tandem');
}
