/**
 * The router's account methods: which accounts a site sees (eth_accounts),
 * EIP-2255 permissions, and personal_ecRecover.
 */
import type { RpcRequest } from '../shared/page-channel';
import { rpcErrors } from '../shared/rpc-errors';
import { decodeMessageParam, recoverPersonal } from './personal-message';
import type { RouterDeps } from './router-deps';

/**
 * The accounts this origin may see now: its grant while unlocked, else [].
 * Lower-case hex, as MetaMask answers (dApps such as the MetaMask test-dapp
 * compare them with `===` to what eth-sig-util recovers, which is lower case).
 */
export async function visibleAccounts(deps: Pick<RouterDeps, 'permissions' | 'wallet'>, origin: string): Promise<string[]> {
  const granted = await deps.permissions.accountsFor(origin);
  if (!granted.length) return [];
  const active = await deps.wallet.activeAccount();
  if (!active) return [];
  return granted.filter((a) => a.toLowerCase() === active.toLowerCase()).map((a) => a.toLowerCase());
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
