/**
 * The service worker entry: wires the services to the browser. Two separate
 * channels, each checked on arrival:
 * - the RPC port (`tandem-rpc`), opened by the content-script bridge of a web
 *   page: EIP-1193 requests only, origin taken from the port's sender;
 * - popup commands (runtime messages and the `tandem-popup` port), accepted
 *   only from the extension's own pages.
 */
import { Services } from './services';
import { ApprovalPages } from './approval-pages';
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
import { COMPAT_OFF_SCRIPT } from '../shared/metamask-compat';

const AUTO_LOCK_ALARM = 'tandem-auto-lock';
const POPUP_PATH = 'src/popup/index.html';
const COMPAT_OFF_SCRIPT_ID = 'tandem-metamask-compat-off';

// Content scripts must never read the unlocked key or pending approvals.
void chrome.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });

const session = chromeArea(chrome.storage.session);
/** Each popup page's port: its document when it is an approval window, and the last state posted to it. */
const popupPorts = new Map<chrome.runtime.Port, { doc: string | null; seq: number }>();
let pushSeq = 0;

const services: Services = new Services({
  local: idbArea(),
  session,
  repo: idbRepository(),
  chain: ethersChainClient(),
  // Called as a request is being queued (it may not be stored yet): open whatever the list says now.
  openPopup: () => showApprovals(true),
  deliverLate: deliverToTab,
  armAutoLock: (minutes) => void chrome.alarms.create(AUTO_LOCK_ALARM, { delayInMinutes: minutes }),
  onStateChange: () => void pushPopupState(),
  applyMetaMaskCompat,
});

/**
 * MetaMask compatibility off: a main-world script (public/) registered at
 * document_start tells the in-page provider before any page script runs (see
 * src/content/compat.ts); on: no such script. Pages already open learn it
 * from their provider state when they reconnect.
 */
async function applyMetaMaskCompat(enabled: boolean): Promise<void> {
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: [COMPAT_OFF_SCRIPT_ID] });
  if (enabled && registered.length) await chrome.scripting.unregisterContentScripts({ ids: [COMPAT_OFF_SCRIPT_ID] });
  if (!enabled && !registered.length)
    await chrome.scripting.registerContentScripts([
      {
        id: COMPAT_OFF_SCRIPT_ID,
        js: [COMPAT_OFF_SCRIPT],
        matches: ['http://*/*', 'https://*/*'],
        runAt: 'document_start',
        world: 'MAIN',
        allFrames: false,
        persistAcrossSessions: true,
      },
    ]);
}
// A worker started while the wallet is unlocked (the browser stopped the previous one, maybe mid-ceremony):
// a change of generation it did not see end is finished now (docs/generations.md).
void services.wallet
  .isUnlocked()
  .then((unlocked) => (unlocked ? services.finishPendingChanges() : undefined))
  .catch(() => undefined);
void services.settings
  .metaMaskCompat()
  .then(applyMetaMaskCompat)
  .catch(() => undefined);

/**
 * Approval windows (the popup opened at `#approvals`): where each page is and
 * what it was sent (background/approval-pages.ts). Invariant kept by
 * {@link ensureApprovalWindow}: while an approval is pending, a window that
 * is not closing shows it (or is being opened).
 */
const approvalPages = new ApprovalPages();
/** A window this worker created whose page has not connected yet. */
let openingWindow: number | null = null;
let ensuring: Promise<void> = Promise.resolve();

/** Makes sure the pending approvals are on screen (one check at a time, in order); `queuing`: one is being added. */
function showApprovals(queuing = false): void {
  ensuring = ensuring.then(() => ensureApprovalWindow(queuing)).catch(() => undefined);
}

/**
 * Focuses a live approval window, or opens one. A window whose page
 * announced it is closing (everything it showed was decided) is never
 * reused: focusing it would succeed and then the window would vanish with
 * the new request unseen.
 */
async function ensureApprovalWindow(queuing: boolean): Promise<void> {
  if (!queuing && !(await services.approvals.list()).length) return;
  const target = approvalPages.liveWindow() ?? openingWindow ?? undefined;
  if (target !== undefined) {
    try {
      await chrome.windows.update(target, { focused: true });
      return;
    } catch {
      if (openingWindow === target) openingWindow = null; // closed meanwhile
    }
  }
  const win = await chrome.windows.create({
    url: chrome.runtime.getURL(`${POPUP_PATH}#approvals`),
    type: 'popup',
    width: 360,
    height: 640,
    focused: true,
  });
  if (win?.id !== undefined) openingWindow = win.id;
}

chrome.windows.onRemoved.addListener((id) => {
  if (openingWindow !== id) return;
  // Closed before its page connected: whatever is pending needs another window.
  openingWindow = null;
  showApprovals();
});

/** The document of an approval window's page (sender of a port or a message), or null for any other page. */
function approvalDocument(sender: chrome.runtime.MessageSender | undefined): string | null {
  if (!sender?.url?.endsWith('#approvals')) return null;
  return sender.documentId ?? `tab:${sender.tab?.id}`;
}
const placeOf = (sender: chrome.runtime.MessageSender | undefined) => ({ windowId: sender?.tab?.windowId, tabId: sender?.tab?.id });

/** The requests an approval window was sent are rejected: it went away undecided (the user closed it); then the rest needs a window. */
function rejectShown(shown: string[]): void {
  void (shown.length ? services.approvalWindowClosed(shown) : Promise.resolve()).finally(showApprovals);
}

/**
 * Posts the state to `ports` (default: every popup page). A state older than
 * one a port already got is not posted to it. What an approval window is
 * posted counts as shown there: closing it rejects those requests.
 */
async function pushPopupState(ports: Iterable<chrome.runtime.Port> = popupPorts.keys()): Promise<void> {
  const targets = [...ports];
  if (!targets.length) return;
  const seq = ++pushSeq;
  const state = await services.state();
  const msg: PopupPush = { type: 'state', state };
  for (const p of targets) {
    const page = popupPorts.get(p);
    if (!page || page.seq > seq) continue;
    try {
      p.postMessage(msg);
      page.seq = seq;
      if (page.doc)
        approvalPages.sent(
          page.doc,
          state.approvals.map((a) => a.id),
        );
    } catch {
      popupPorts.delete(p);
    }
  }
}

const pageOrigin = (sender: chrome.runtime.MessageSender | undefined) => pageOriginOf(sender, chrome.runtime.id);
const isExtensionPage = (sender: chrome.runtime.MessageSender | undefined) => isExtensionPageSender(sender, chrome.runtime.id);

chrome.runtime.onConnect.addListener((port) => {
  if (port.name === RPC_PORT_NAME) return acceptPagePort(port);
  if (port.name === POPUP_PORT_NAME && isExtensionPage(port.sender)) return acceptPopupPort(port);
  port.disconnect();
});

/**
 * A popup page (toolbar popup, approval window or tab) connected for state
 * pushes: it is sent the state at once (its first state: the page asks for
 * no other).
 */
function acceptPopupPort(port: chrome.runtime.Port): void {
  const doc = approvalDocument(port.sender);
  popupPorts.set(port, { doc, seq: 0 });
  if (doc) {
    const place = placeOf(port.sender);
    approvalPages.connected(doc, place);
    if (place.windowId !== undefined && place.windowId === openingWindow) openingWindow = null;
  }
  port.onMessage.addListener((m: unknown) => {
    const type = (m as PopupPortMessage | null)?.type;
    // The page opened (not a reconnect after a worker restart): as any command, that re-arms auto-lock.
    if (type === 'opened') void services.touch().catch(() => undefined);
    if (type !== 'closing') return;
    // The window closing itself after the user decided everything is no rejection,
    // and a request that came meanwhile needs another window.
    if (doc) approvalPages.closing(doc);
    showApprovals();
  });
  port.onDisconnect.addListener(() => {
    popupPorts.delete(port);
    // The last Tandem window closed: this browser stops co-signing (docs/browser-cosigner.md).
    if (!popupPorts.size) services.cosigner.stop();
    if (doc) rejectShown(approvalPages.disconnected(doc));
  });
  void pushPopupState([port]);
}

// An approval window closed before its page connected its port may still have been sent a state (a command's reply).
chrome.tabs.onRemoved.addListener((tabId) => {
  const shown = approvalPages.tabRemoved(tabId);
  if (shown.length) rejectShown(shown);
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
  void services.answer(raw).then((reply) => {
    // A state in a reply to an approval window counts as shown there, as a push does.
    const doc = approvalDocument(sender);
    if (doc && reply.state)
      approvalPages.sent(
        doc,
        reply.state.approvals.map((a) => a.id),
        placeOf(sender),
      );
    sendResponse(reply);
  });
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === AUTO_LOCK_ALARM) void services.lock();
});

// How long this worker's script took to load and run, from the worker's start (bench/e2e reads it).
performance.mark('tandem:worker-ready');
