import { describe, expect, it } from 'vitest';
import { ApprovalPages } from './approval-pages';

const at = { windowId: 7, tabId: 70 };

describe('approval pages: what closing a window rejects', () => {
  it('rejects every approval sent to the page, by push or by a reply, when its port goes away', () => {
    const pages = new ApprovalPages();
    pages.connected('doc1', at);
    pages.sent('doc1', ['a']); // a push
    pages.sent('doc1', ['a', 'b'], at); // the reply to one of its commands
    expect(pages.disconnected('doc1').sort()).toEqual(['a', 'b']);
    expect(pages.disconnected('doc1')).toEqual([]); // forgotten
  });

  it('keeps what a reply showed before the port connected', () => {
    const pages = new ApprovalPages();
    pages.sent('doc1', ['a'], at);
    pages.connected('doc1', at);
    expect(pages.disconnected('doc1')).toEqual(['a']);
  });

  it('rejects what a page whose port never connected was sent when its tab closes', () => {
    const pages = new ApprovalPages();
    pages.sent('doc1', ['a'], at);
    pages.connected('doc2', { windowId: 8, tabId: 80 });
    pages.sent('doc2', ['b']);
    expect(pages.tabRemoved(80)).toEqual([]); // doc2 has a port: its disconnect answers
    expect(pages.tabRemoved(70)).toEqual(['a']);
    expect(pages.tabRemoved(70)).toEqual([]);
    expect(pages.disconnected('doc2')).toEqual(['b']);
  });

  it('rejects nothing of a page that closes itself, nor what it is sent afterwards, and never reuses its window', () => {
    const pages = new ApprovalPages();
    pages.connected('doc1', at);
    pages.sent('doc1', ['a']);
    expect(pages.liveWindow()).toBe(7);
    pages.closing('doc1');
    pages.sent('doc1', ['b']);
    expect(pages.liveWindow()).toBeUndefined();
    expect(pages.disconnected('doc1')).toEqual([]);
  });

  it('offers only a connected window for focusing', () => {
    const pages = new ApprovalPages();
    pages.sent('doc1', ['a'], at);
    expect(pages.liveWindow()).toBeUndefined();
    pages.connected('doc1', at);
    expect(pages.liveWindow()).toBe(7);
  });
});
