/**
 * The content-script bridge (isolated world). It relays, in a tab:
 * page -> background: validated EIP-1193 requests only (window.postMessage in,
 *   the `tandem-rpc` port out; the background learns the page's origin from
 *   the port, not from anything the page says);
 * background -> page: responses, provider events and the provider state.
 * It has no other channel to the extension: popup commands are refused for
 * content-script senders by the background.
 */
import {
  parsePageMessage,
  RPC_PORT_NAME,
  TO_INPAGE,
  isRequestId,
  type BackgroundToBridge,
  type BridgeToPage,
  type ProviderEventName,
} from '../shared/page-channel';
import { isRpcErrorShape, rpcErrors } from '../shared/rpc-errors';

const EVENTS: ReadonlySet<string> = new Set<ProviderEventName>(['connect', 'disconnect', 'chainChanged', 'accountsChanged', 'message']);
const RECONNECT_DELAY_MS = 300;

let port: chrome.runtime.Port | null = null;
let extensionGone = false;

type Untargeted<T> = T extends unknown ? Omit<T, 'target'> : never;

function toPage(msg: Untargeted<BridgeToPage>): void {
  window.postMessage({ ...msg, target: TO_INPAGE }, window.location.origin);
}

/** Checks a message from the background before it reaches the page. */
function fromBackground(raw: unknown): void {
  if (typeof raw !== 'object' || raw === null) return;
  const m = raw as BackgroundToBridge;
  if (m.type === 'rpc-response' && isRequestId(m.id)) {
    if (m.error !== undefined && !isRpcErrorShape(m.error)) return;
    toPage(m.error !== undefined ? { type: 'response', id: m.id, error: m.error } : { type: 'response', id: m.id, result: m.result });
  } else if (m.type === 'event' && EVENTS.has(m.event)) {
    toPage({ type: 'event', event: m.event, data: m.data });
  } else if (m.type === 'state' && typeof m.state?.chainId === 'string' && Array.isArray(m.state.accounts)) {
    const accounts = m.state.accounts.filter((a) => typeof a === 'string');
    const compat = typeof m.state.isMetaMask === 'boolean' ? { isMetaMask: m.state.isMetaMask } : {};
    toPage({ type: 'state', state: { chainId: m.state.chainId, accounts, ...compat } });
  }
}

/** Opens the RPC port; reopens it when the service worker restarts. */
function connect(): chrome.runtime.Port | null {
  if (extensionGone) return null;
  try {
    const p = chrome.runtime.connect({ name: RPC_PORT_NAME });
    p.onMessage.addListener(fromBackground);
    p.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      if (port === p) port = null;
      if (!chrome.runtime?.id) return markGone();
      setTimeout(() => {
        if (!port) port = connect();
      }, RECONNECT_DELAY_MS);
    });
    return p;
  } catch {
    markGone();
    return null;
  }
}

/** The extension was removed or reloaded: tell the page (EIP-1193 disconnect, 4900). */
function markGone(): void {
  if (extensionGone) return;
  extensionGone = true;
  toPage({ type: 'event', event: 'disconnect', data: rpcErrors.disconnected().toJSON() });
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || event.origin !== window.location.origin) return;
  const msg = parsePageMessage(event.data);
  if (!msg) return;
  if (msg.type === 'hello') return toPage({ type: 'ready' });
  port ??= connect();
  if (!port) return toPage({ type: 'response', id: msg.id, error: rpcErrors.disconnected().toJSON() });
  port.postMessage({ type: 'rpc', id: msg.id, request: msg.request });
});

// Late answers (the worker restarted while an approval was pending) come by tabs.sendMessage.
chrome.runtime.onMessage.addListener((raw: unknown, sender) => {
  if (sender.id !== chrome.runtime.id || sender.tab) return false;
  fromBackground(raw);
  return false;
});

port = connect();
toPage({ type: 'ready' });
