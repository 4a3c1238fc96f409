/**
 * The popup's only link to the background: commands by runtime message, and
 * state pushes on the `tandem-popup` port. The popup keeps no state of its own
 * beyond what is on screen.
 */
import {
  POPUP_PORT_NAME,
  type PopupCommand,
  type PopupPortMessage,
  type PopupPush,
  type PopupReply,
  type WalletState,
} from '../shared/popup-api';

let currentPort: chrome.runtime.Port | null = null;

/** Tells the background this page closes itself (not the user closing the window: nothing is rejected). */
export function announceClosing(): void {
  try {
    currentPort?.postMessage({ type: 'closing' } satisfies PopupPortMessage);
  } catch {
    // the port is gone already
  }
}

/** Sends a command; never throws (errors come back as `{ ok: false, error }`). */
export async function sendCommand(cmd: PopupCommand): Promise<PopupReply> {
  try {
    const reply = (await chrome.runtime.sendMessage(cmd)) as PopupReply | undefined;
    return reply ?? { ok: false, error: 'Tandem did not answer. Close the popup and try again.' };
  } catch {
    return { ok: false, error: 'Tandem did not answer. Close the popup and try again.' };
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
