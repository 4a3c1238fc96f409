/**
 * The popup's only link to the background: commands by runtime message, and
 * state pushes on the `tandem-popup` port. The popup keeps no state of its own
 * beyond what is on screen.
 */
import { POPUP_PORT_NAME, type PopupPortMessage, type PopupPush, type WalletState } from '../shared/popup-api';
import type { CommandType, Params, PopupCommand, PopupReply } from '../shared/popup-commands';
import { walletMessage } from '../shared/wallet-errors';

let currentPort: chrome.runtime.Port | null = null;

/** Tells the background this page closes itself (not the user closing the window: nothing is rejected). */
export function announceClosing(): void {
  try {
    currentPort?.postMessage({ type: 'closing' } satisfies PopupPortMessage);
  } catch {
    // the port is gone already
  }
}

/** A command with no params may be sent without them. */
type ParamsArg<K extends CommandType> = Record<never, never> extends Params<K> ? [params?: Params<K>] : [params: Params<K>];

/**
 * Sends command `type` with its params; the reply's `result` has the
 * command's result type. Never throws (errors come back as `{ ok: false, code, error }`).
 */
export function sendCommand<K extends CommandType>(type: K, ...[params]: ParamsArg<K>): Promise<PopupReply<K>> {
  return send({ type, ...params } as PopupCommand) as Promise<PopupReply<K>>;
}

/** Sends a command already assembled (the screens' `run`). */
export async function send(cmd: PopupCommand): Promise<PopupReply> {
  const noAnswer = { ok: false, code: 'popup.noAnswer', error: walletMessage('popup.noAnswer') } as const;
  try {
    return ((await chrome.runtime.sendMessage(cmd)) as PopupReply | undefined) ?? noAnswer;
  } catch {
    return noAnswer;
  }
}

type StateListener = (s: WalletState) => void;
let listener: StateListener | null = null;
/** The newest state pushed before anyone subscribed. */
let waiting: WalletState | null = null;
let connected = false;
let stopped = false;

/**
 * Opens the state port now; its first push is the page's first state (the
 * page sends no getState). The entry calls it before the screens' code has
 * loaded, so that the worker (started by this if it was stopped) computes
 * that state meanwhile. States pushed before {@link subscribeState} wait for it.
 */
export function connectState(): void {
  if (connected) return;
  connected = true;
  let first = true;
  const open = () => {
    const port = chrome.runtime.connect({ name: POPUP_PORT_NAME });
    currentPort = port;
    if (first) port.postMessage({ type: 'opened' } satisfies PopupPortMessage);
    first = false;
    port.onMessage.addListener((m: PopupPush) => {
      if (m?.type !== 'state') return;
      // Where the popup's open time goes (bench/e2e): its first state from the worker.
      if (!performance.getEntriesByName('tandem:state').length) performance.mark('tandem:state');
      if (listener) listener(m.state);
      else waiting = m.state;
    });
    // The worker may restart while the popup is open: reconnect.
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      if (!stopped) setTimeout(open, 200);
    });
  };
  open();
}

/** The state pushed so far that nobody took yet, if any (taken: later ones go to the subscriber). */
export function takeWaitingState(): WalletState | null {
  const s = waiting;
  waiting = null;
  return s;
}

/** Calls `onState` with every state the background pushes (first any that waited); returns an unsubscribe function. */
export function subscribeState(onState: StateListener): () => void {
  connectState();
  listener = onState;
  const early = takeWaitingState();
  if (early) onState(early);
  return () => {
    listener = null;
    stopped = true;
    currentPort?.disconnect();
  };
}
