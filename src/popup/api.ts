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

/** Calls `onState` with every state the background pushes; returns an unsubscribe function. */
export function subscribeState(onState: (s: WalletState) => void): () => void {
  let port: chrome.runtime.Port | null = null;
  let closed = false;
  const open = () => {
    port = chrome.runtime.connect({ name: POPUP_PORT_NAME });
    currentPort = port;
    port.onMessage.addListener((m: PopupPush) => {
      if (m?.type === 'state') onState(m.state);
    });
    // The worker may restart while the popup is open: reconnect.
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      if (!closed) setTimeout(open, 200);
    });
  };
  open();
  return () => {
    closed = true;
    port?.disconnect();
  };
}
