/**
 * The approval windows' pages (the popup opened at `#approvals`) and the
 * approvals each one was sent. A page is known by its document (the browser's
 * `documentId` of the sender), so that both ways a state reaches it count: a
 * push on its `tandem-popup` port and the reply to one of its commands.
 *
 * The rule this keeps: a request whose state was sent to an approval page is
 * rejected when that page goes away undecided (the user closed the window),
 * whatever delivered the state and even if its port never connected; not when
 * the page announced it closes itself (everything it showed was decided).
 * A worker restart loses this record with the worker: no disconnect is seen
 * then, and the approvals stay pending.
 */

interface ApprovalPage {
  /** The window it is in (for focusing); the tab, for a page whose port never connected. */
  windowId: number | undefined;
  tabId: number | undefined;
  /** Its port is connected now. */
  connected: boolean;
  /** It said it closes itself: nothing it was sent is rejected, and it is never reused. */
  closing: boolean;
  /** Ids of the approvals in every state sent to it. */
  sent: Set<string>;
}

/** Where a page is, as its sender says. */
export interface PagePlace {
  windowId?: number | undefined;
  tabId?: number | undefined;
}

export class ApprovalPages {
  private readonly pages = new Map<string, ApprovalPage>();

  private page(doc: string, place: PagePlace): ApprovalPage {
    let page = this.pages.get(doc);
    if (!page) {
      page = { windowId: place.windowId, tabId: place.tabId, connected: false, closing: false, sent: new Set() };
      this.pages.set(doc, page);
    }
    page.windowId ??= place.windowId;
    page.tabId ??= place.tabId;
    return page;
  }

  /** Page `doc`'s port connected (what it was sent before, by replies, stays recorded). */
  connected(doc: string, place: PagePlace): void {
    this.page(doc, place).connected = true;
  }

  /** A state listing approvals `ids` was sent to page `doc` (a push or a command's reply). */
  sent(doc: string, ids: Iterable<string>, place: PagePlace = {}): void {
    const page = this.page(doc, place);
    if (page.closing) return;
    for (const id of ids) page.sent.add(id);
  }

  /** Page `doc` closes itself: nothing it was sent is rejected. */
  closing(doc: string): void {
    const page = this.pages.get(doc);
    if (!page) return;
    page.closing = true;
    page.sent.clear();
  }

  /** Page `doc`'s port went away: the page is forgotten; answers the approvals to reject. */
  disconnected(doc: string): string[] {
    const page = this.pages.get(doc);
    this.pages.delete(doc);
    return page ? [...page.sent] : [];
  }

  /** Tab `tabId` closed: pages in it whose port never connected are forgotten; answers the approvals to reject. */
  tabRemoved(tabId: number): string[] {
    const rejected: string[] = [];
    for (const [doc, page] of this.pages) {
      if (page.tabId !== tabId || page.connected) continue;
      this.pages.delete(doc);
      rejected.push(...page.sent);
    }
    return rejected;
  }

  /** A window whose page is connected and not closing (focus it rather than open another), if any. */
  liveWindow(): number | undefined {
    for (const page of this.pages.values()) if (page.connected && !page.closing && page.windowId !== undefined) return page.windowId;
    return undefined;
  }
}
