/**
 * The page <-> bridge channel (window.postMessage inside one tab) and the
 * bridge <-> background RPC port. This is the ONLY way a web page reaches the
 * extension, and it carries nothing but EIP-1193 requests, their answers and
 * provider events. Every message is validated on arrival with the functions
 * below; anything that does not match is dropped.
 */
import type { RpcErrorShape } from './rpc-errors';

/** `target` of messages the in-page provider posts for the bridge. */
export const TO_BRIDGE = 'tandem:to-bridge';
/** `target` of messages the bridge posts for the in-page provider. */
export const TO_INPAGE = 'tandem:to-inpage';
/** Name of the chrome.runtime port the bridge opens to the background. */
export const RPC_PORT_NAME = 'tandem-rpc';

/** Longest accepted method name and request id. */
export const MAX_METHOD_LENGTH = 64;
export const MAX_ID_LENGTH = 64;
/** Largest accepted serialized params (bytes of JSON). */
export const MAX_PARAMS_BYTES = 512 * 1024;

/** An EIP-1193 request as the page makes it. */
export interface RpcRequest {
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

/** Events the background pushes to a page. */
export type ProviderEventName = 'connect' | 'disconnect' | 'chainChanged' | 'accountsChanged' | 'message';

/** What the page may say to the bridge. */
export type PageToBridge =
  | { target: typeof TO_BRIDGE; type: 'hello' }
  | { target: typeof TO_BRIDGE; type: 'request'; id: string; request: RpcRequest };

/** What the bridge says to the page. */
export type BridgeToPage =
  | { target: typeof TO_INPAGE; type: 'ready' }
  | { target: typeof TO_INPAGE; type: 'response'; id: string; result?: unknown; error?: RpcErrorShape }
  | { target: typeof TO_INPAGE; type: 'event'; event: ProviderEventName; data: unknown }
  | { target: typeof TO_INPAGE; type: 'state'; state: ProviderState };

/** What a page learns when its bridge connects: the chain and the accounts it may see. */
export interface ProviderState {
  chainId: string;
  accounts: string[];
  /** MetaMask compatibility (Settings): the provider's isMetaMask. */
  isMetaMask?: boolean;
}

/** What the bridge sends on the RPC port. */
export type BridgeToBackground = { type: 'rpc'; id: string; request: RpcRequest };

/** What the background sends on the RPC port (or by tabs.sendMessage for late answers). */
export type BackgroundToBridge =
  | { type: 'rpc-response'; id: string; result?: unknown; error?: RpcErrorShape }
  | { type: 'event'; event: ProviderEventName; data: unknown }
  | { type: 'state'; state: ProviderState };

/** A JSON-RPC method name: letters, digits and underscores, 1..64 chars. */
export function isMethodName(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_METHOD_LENGTH && /^[A-Za-z][A-Za-z0-9_]*$/.test(x);
}

/** A request id: a short printable string. */
export function isRequestId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_LENGTH && /^[\x21-\x7e]+$/.test(x);
}

/**
 * Validates an EIP-1193 request object and returns a clean copy (only
 * `method` and `params`, params deep-copied through JSON), or a reason why not.
 */
export function parseRpcRequest(x: unknown): { ok: true; request: RpcRequest } | { ok: false; reason: string } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return { ok: false, reason: 'request must be an object' };
  const { method, params } = x as { method?: unknown; params?: unknown };
  if (!isMethodName(method)) return { ok: false, reason: 'method must be a JSON-RPC method name' };
  if (params === undefined) return { ok: true, request: { method } };
  if (typeof params !== 'object' || params === null) return { ok: false, reason: 'params must be an array or an object' };
  let json: string;
  try {
    json = JSON.stringify(params);
  } catch {
    return { ok: false, reason: 'params must be JSON' };
  }
  if (json.length > MAX_PARAMS_BYTES) return { ok: false, reason: 'params are too large' };
  return { ok: true, request: { method, params: JSON.parse(json) } };
}

/** Validates a message the page posted for the bridge. */
export function parsePageMessage(x: unknown): PageToBridge | null {
  if (typeof x !== 'object' || x === null) return null;
  const m = x as Record<string, unknown>;
  if (m.target !== TO_BRIDGE) return null;
  if (m.type === 'hello') return { target: TO_BRIDGE, type: 'hello' };
  if (m.type !== 'request' || !isRequestId(m.id)) return null;
  const parsed = parseRpcRequest(m.request);
  if (!parsed.ok) return null;
  return { target: TO_BRIDGE, type: 'request', id: m.id, request: parsed.request };
}

/** Validates a message arriving on the RPC port in the background. */
export function parseBridgeMessage(x: unknown): { ok: true; msg: BridgeToBackground } | { ok: false; id?: string; reason: string } {
  if (typeof x !== 'object' || x === null) return { ok: false, reason: 'message must be an object' };
  const m = x as Record<string, unknown>;
  if (m.type !== 'rpc') return { ok: false, reason: 'unknown message type' };
  if (!isRequestId(m.id)) return { ok: false, reason: 'bad request id' };
  const parsed = parseRpcRequest(m.request);
  if (!parsed.ok) return { ok: false, id: m.id, reason: parsed.reason };
  return { ok: true, msg: { type: 'rpc', id: m.id, request: parsed.request } };
}
