/**
 * EIP-1193 / EIP-1474 errors. The in-page provider rejects with a
 * {@link ProviderRpcError}; the background throws them and the bridge carries
 * them as plain `{ code, message, data? }` objects.
 */

/** Error codes a dApp can rely on (EIP-1193 section "Provider Errors", EIP-1474). */
export const RpcErrorCode = {
  /** The user rejected the request. */
  userRejected: 4001,
  /** The origin is not connected (EIP-1193 "Unauthorized"). */
  unauthorized: 4100,
  /** The wallet does not support the method. */
  unsupportedMethod: 4200,
  /** The provider is disconnected from all chains. */
  disconnected: 4900,
  /** The provider is not connected to the requested chain. */
  chainDisconnected: 4901,
  /** wallet_switchEthereumChain: unknown chain (MetaMask convention, EIP-3326 discussion). */
  unrecognizedChain: 4902,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** A request of the same kind is already waiting for the user. */
  resourceUnavailable: -32002,
} as const;

/** `data.code` of every refusal to sign for a watch-only address (the same code as the wallet error). */
export const WATCH_ONLY_CODE = 'vault.watchOnly';

/** The plain shape an error takes on the wire. */
export interface RpcErrorShape {
  code: number;
  message: string;
  data?: unknown;
}

/** An EIP-1193 ProviderRpcError: `code` says what happened, `message` what to do. */
export class ProviderRpcError extends Error implements RpcErrorShape {
  override readonly name = 'ProviderRpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  /** The plain object sent over postMessage / chrome ports. */
  toJSON(): RpcErrorShape {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Shorthands for the errors the wallet answers most. */
export const rpcErrors = {
  userRejected: (what = 'The request') => new ProviderRpcError(RpcErrorCode.userRejected, `${what} was rejected in the Tandem popup.`),
  unauthorized: (method: string) =>
    new ProviderRpcError(RpcErrorCode.unauthorized, `${method}: this site is not connected to Tandem. Call eth_requestAccounts first.`),
  unsupported: (method: string, why = 'Tandem does not support this method.') =>
    new ProviderRpcError(RpcErrorCode.unsupportedMethod, `${method}: ${why}`),
  invalidParams: (method: string, why: string) => new ProviderRpcError(RpcErrorCode.invalidParams, `${method}: invalid params: ${why}`),
  invalidRequest: (why: string) => new ProviderRpcError(RpcErrorCode.invalidRequest, `Invalid request: ${why}`),
  internal: (why: string) => new ProviderRpcError(RpcErrorCode.internal, why),
  pending: (method: string) =>
    new ProviderRpcError(
      RpcErrorCode.resourceUnavailable,
      `${method}: a request from this site is already waiting in the Tandem popup. Finish it first.`,
    ),
  /**
   * A signing method for a watch-only address (EIP-1193 4100: the account
   * cannot be used for this); `data.code` is the stable wallet code `vault.watchOnly`.
   */
  watchOnly: (method: string) =>
    new ProviderRpcError(
      RpcErrorCode.unauthorized,
      `${method}: the account is a watch-only address in Tandem: there is no key for it, so Tandem cannot sign. Nothing was asked or signed.`,
      { code: WATCH_ONLY_CODE },
    ),
  disconnected: (why = 'Tandem is not reachable: reload the page.') => new ProviderRpcError(RpcErrorCode.disconnected, why),
};

/** Turns anything thrown into a wire error without leaking internals (stack, secrets). */
export function toRpcError(err: unknown): RpcErrorShape {
  if (err instanceof ProviderRpcError) return err.toJSON();
  if (isRpcErrorShape(err)) return { code: err.code, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) };
  return { code: RpcErrorCode.internal, message: 'Internal error in Tandem.' };
}

/** True for `{ code: integer, message: string }`. */
export function isRpcErrorShape(x: unknown): x is RpcErrorShape {
  return (
    typeof x === 'object' && x !== null && Number.isInteger((x as RpcErrorShape).code) && typeof (x as RpcErrorShape).message === 'string'
  );
}
