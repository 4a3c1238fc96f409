/**
 * Who is talking to the background, as the browser reports it. The page's
 * own claims are never used: a web page is identified by the origin of the
 * port's sender, and popup commands are accepted only from the extension's
 * own pages.
 */

/** The fields of chrome.runtime.MessageSender these checks read. */
export interface SenderLike {
  id?: string;
  origin?: string;
  url?: string;
  tab?: unknown;
}

function originOf(sender: SenderLike): string | null {
  if (sender.origin) return sender.origin;
  if (!sender.url) return null;
  try {
    const u = new URL(sender.url);
    // protocol + host: also right for chrome-extension:// URLs, whose URL.origin is "null" outside Chrome.
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** The http(s) origin of a web page's content script, or null if the sender is anything else. */
export function pageOriginOf(sender: SenderLike | undefined, extensionId: string): string | null {
  if (!sender || sender.id !== extensionId || !sender.tab) return null;
  const origin = originOf(sender);
  return origin && /^https?:\/\/[^/]+$/.test(origin) ? origin : null;
}

/** True only for the extension's own pages (popup, approval window), never a content script. */
export function isExtensionPageSender(sender: SenderLike | undefined, extensionId: string): boolean {
  if (!sender || sender.id !== extensionId) return false;
  return originOf(sender) === `chrome-extension://${extensionId}`;
}
