import { describe, expect, it } from 'vitest';
import { isExtensionPageSender, pageOriginOf } from './senders';

const ID = 'cecpmgecdffjijkjcjgdoklomefnejlc';

describe('sender checks', () => {
  it('takes the page origin from the browser-reported sender', () => {
    expect(pageOriginOf({ id: ID, tab: {}, origin: 'http://127.0.0.1:4000', url: 'http://127.0.0.1:4000/x' }, ID)).toBe(
      'http://127.0.0.1:4000',
    );
    expect(pageOriginOf({ id: ID, tab: {}, url: 'https://dapp.example/path?q' }, ID)).toBe('https://dapp.example');
  });

  it('refuses senders that are not http(s) pages of this extension', () => {
    expect(pageOriginOf({ id: 'other', tab: {}, origin: 'https://dapp.example' }, ID)).toBeNull();
    expect(pageOriginOf({ id: ID, origin: 'https://dapp.example' }, ID)).toBeNull(); // no tab
    expect(pageOriginOf({ id: ID, tab: {}, origin: 'null' }, ID)).toBeNull();
    expect(pageOriginOf({ id: ID, tab: {}, origin: 'file://' }, ID)).toBeNull();
    expect(pageOriginOf({ id: ID, tab: {}, origin: `chrome-extension://${ID}` }, ID)).toBeNull();
    expect(pageOriginOf(undefined, ID)).toBeNull();
  });

  it('accepts popup commands only from the extension origin, never from a content script', () => {
    expect(
      isExtensionPageSender({ id: ID, origin: `chrome-extension://${ID}`, url: `chrome-extension://${ID}/src/popup/index.html` }, ID),
    ).toBe(true);
    expect(isExtensionPageSender({ id: ID, tab: {}, url: `chrome-extension://${ID}/src/popup/index.html#approvals` }, ID)).toBe(true);
    // A content script of this extension on a web page has our id but the page's origin.
    expect(isExtensionPageSender({ id: ID, tab: {}, origin: 'https://evil.example', url: 'https://evil.example/' }, ID)).toBe(false);
    expect(isExtensionPageSender({ id: 'other', origin: `chrome-extension://${ID}` }, ID)).toBe(false);
    expect(isExtensionPageSender({ id: ID, origin: 'chrome-extension://someoneelse' }, ID)).toBe(false);
  });
});
