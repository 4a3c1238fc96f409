/**
 * The service worker entry: wires the services to the browser. Two separate
 * channels, each checked on arrival:
 * - the RPC port (`tandem-rpc`), opened by the content-script bridge of a web
 *   page: EIP-1193 requests only, origin taken from the port's sender;
 * - popup commands (runtime messages and the `tandem-popup` port), accepted
 *   only from the extension's own pages.
 */
import { Services } from './services';
import { chromeArea } from './storage';
import { idbRepository } from './vault/idb-repository';
import { idbArea } from './idb-area';
import { ethersChainClient } from './chain-client';
import { deliverToTab, responseMessage, type PagePort } from './page-ports';
import type { Outcome } from './approvals';
import { isExtensionPageSender, pageOriginOf } from './senders';
import { parseBridgeMessage, RPC_PORT_NAME, type BackgroundToBridge } from '../shared/page-channel';
import { POPUP_PORT_NAME, type PopupPortMessage, type PopupPush } from '../shared/popup-api';
import { rpcErrors, toRpcError } from '../shared/rpc-errors';

const AUTO_LOCK_ALARM = 'tandem-auto-lock';
const POPUP_WINDOW_KEY = 'popup.windowId.v1';
const POPUP_PATH = 'src/popup/index.html';

// Content scripts must never read the unlocked key or pending approvals.
void chrome.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });

const session = chromeArea(chrome.storage.session);
const popupPorts = new Set<chrome.runtime.Port>();

const services: Services = new Services({
  local: idbArea(),
  session,
  repo: idbRepository(),
  chain: ethersChainClient(),
  openPopup: () => void openPopupWindow(),
  deliverLate: deliverToTab,
  armAutoLock: (minutes) => void chrome.alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: minutes }),
  onStateChange: () => void pushPopupState(),
});

/** Opens the approval popup window, or focuses it if it is already open. */
async function openPopupWindow(): Promise<void> {
  const existing = await session.get<number>(POPUP_WINDOW_KEY);
  if (existing !== undefined) {
    try {
      await chrome.windows.update(existing, { focused: true });
      return;
    } catch {
      // closed meanwhile
    }
  }
  const win = await chrome.windows.create({
    url: chrome.runtime.getURL(`${POPUP_PATH}#approvals`),
    type: 'popup',
    width: 360,
    height: 640,
    focused: true,
  });
  if (win?.id !== undefined) await session.set(POPUP_WINDOW_KEY, win.id);
}

chrome.windows.onRemoved.addListener((id) => {
  void session.get<number>(POPUP_WINDOW_KEY).then((w) => (w === id ? session.remove(POPUP_WINDOW_KEY) : undefined));
});

/**
 * Approvals each approval window (the popup opened at `#approvals`) was
 * shown. When that page goes away undecided (the user closed the window),
 * those requests are rejected, as if the user had clicked Reject. A worker
 * restart does not count: the worker is gone, so no disconnect is handled,
 * and the approvals stay pending.
 */
const shownIn = new Map<chrome.runtime.Port, Set<string>>();

async function pushPopupState(): Promise<void> {
  if (!popupPorts.size) return;
  const msg: PopupPush = { type: 'state', state: await services.state() };
  for (const p of popupPorts) {
    try {
      p.postMessage(msg);
      for (const a of msg.state.approvals) shownIn.get(p)?.add(a.id);
    } catch {
      popupPorts.delete(p);
    }
  }
}

const pageOrigin = (sender: chrome.runtime.MessageSender | undefined) => pageOriginOf(sender, chrome.runtime.id);
const isExtensionPage = (sender: chrome.runtime.MessageSender | undefined) => isExtensionPageSender(sender, chrome.runtime.id);

chrome.runtime.onConnect.addListener((port) => {
  if (port.name === RPC_PORT_NAME) return acceptPagePort(port);
  if (port.name === POPUP_PORT_NAME && isExtensionPage(port.sender)) {
    popupPorts.add(port);
    if (port.sender?.url?.endsWith('#approvals')) shownIn.set(port, new Set());
    // The window closing itself after the user decided everything is no rejection.
    port.onMessage.addListener((m: unknown) => {
      if ((m as PopupPortMessage | null)?.type === 'closing') shownIn.delete(port);
    });
    port.onDisconnect.addListener(() => {
      popupPorts.delete(port);
      const shown = shownIn.get(port);
      shownIn.delete(port);
      if (shown?.size) void services.approvalWindowClosed([...shown]);
    });
    void pushPopupState();
    return;
  }
  port.disconnect();
});

/** A web page's bridge connected: serve EIP-1193 requests for its browser-reported origin. */
function acceptPagePort(port: chrome.runtime.Port): void {
  const origin = pageOrigin(port.sender);
  if (!origin) return port.disconnect();
  const tabId = port.sender!.tab!.id!;
  const frameId = port.sender!.frameId ?? 0;
  const page: PagePort = { origin, post: (m: BackgroundToBridge) => port.postMessage(m) };
  services.pages.add(page);
  port.onDisconnect.addListener(() => {
    services.pages.delete(page);
    // The page went away (closed, reloaded, navigated): its pending approvals go too.
    void services.approvals.abandonFromFrame(
      tabId,
      frameId,
      rpcErrors.userRejected('The request (the page was closed or reloaded)').toJSON(),
    );
  });
  void services.providerState(origin).then((state) => page.post({ type: 'state', state }));

  port.onMessage.addListener((raw: unknown) => {
    const parsed = parseBridgeMessage(raw);
    if (!parsed.ok) {
      if (parsed.id) page.post({ type: 'rpc-response', id: parsed.id, error: rpcErrors.invalidRequest(parsed.reason).toJSON() });
      return;
    }
    const { id, request } = parsed.msg;
    services
      .handleRpc({ origin, reply: { tabId, frameId, requestId: id } }, request)
      .then(
        (result): Outcome => ({ result: result === undefined ? null : result }),
        (err): Outcome => ({ error: toRpcError(err) }),
      )
      .then((outcome) => {
        try {
          port.postMessage(responseMessage(id, outcome));
        } catch {
          // The port closed meanwhile (worker or page navigation): answer the frame directly.
          deliverToTab({ tabId, frameId, requestId: id }, outcome);
        }
      });
  });
}

chrome.runtime.onMessage.addListener((raw: unknown, sender, sendResponse) => {
  if (!isExtensionPage(sender)) return false; // pages and content scripts cannot reach popup commands
  void services.answer(raw).then(sendResponse);
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === AUTO_LOCK_ALARM) void services.lock();
});
