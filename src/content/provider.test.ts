import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TO_INPAGE } from '../shared/page-channel';

/** A stand-in for the page's window: records what the provider posts, delivers what the bridge says. */
function fakeWindow() {
  const posted: unknown[] = [];
  const listeners: ((e: unknown) => void)[] = [];
  const win = {
    location: { origin: 'https://dapp.example' },
    addEventListener: (_type: string, l: (e: unknown) => void) => listeners.push(l),
    postMessage: (m: unknown) => posted.push(m),
  };
  const fromBridge = (data: Record<string, unknown>) => {
    for (const l of listeners) l({ source: win, origin: win.location.origin, data: { target: TO_INPAGE, ...data } });
  };
  return { win, posted, fromBridge };
}

describe('in-page provider', () => {
  let page: ReturnType<typeof fakeWindow>;
  beforeEach(() => {
    page = fakeWindow();
    (globalThis as { window?: unknown }).window = page.win;
  });
  afterEach(() => {
    delete (globalThis as { window?: unknown }).window;
  });

  it('holds requests until the bridge is ready, then posts only method and params; answers resolve them', async () => {
    const { TandemProvider } = await import('./provider');
    const provider = new TandemProvider();
    const chain = provider.request({ method: 'eth_chainId' });
    const call = provider.request({ method: 'eth_call', params: [{ to: '0x01' }, 'latest'], extra: 'dropped' } as never);
    expect(page.posted).toEqual([{ target: 'tandem:to-bridge', type: 'hello' }]);
    page.fromBridge({ type: 'ready' });
    const requests = page.posted.slice(1) as { id: string; request: unknown }[];
    expect(requests.map((m) => m.request)).toEqual([{ method: 'eth_chainId' }, { method: 'eth_call', params: [{ to: '0x01' }, 'latest'] }]);
    page.fromBridge({ type: 'response', id: requests[0]!.id, result: '0x7a69' });
    page.fromBridge({ type: 'response', id: requests[1]!.id, error: { code: 4100, message: 'not connected' } });
    expect(await chain).toBe('0x7a69');
    expect(provider.chainId).toBe('0x7a69');
    await expect(call).rejects.toMatchObject({ code: 4100, message: 'not connected' });
  });

  it('refuses a malformed request at once with -32600, posting nothing', async () => {
    const { TandemProvider } = await import('./provider');
    const provider = new TandemProvider();
    page.fromBridge({ type: 'ready' });
    await expect(provider.request({ method: 'eth chainId' })).rejects.toMatchObject({
      code: -32600,
      message: expect.stringContaining('method'),
    });
    expect(page.posted).toHaveLength(1); // the hello only
  });

  it('says isMetaMask by default (off when the page was told so), and sends networkChanged with chainChanged', async () => {
    const { TandemProvider } = await import('./provider');
    const provider = new TandemProvider();
    expect(provider.isMetaMask).toBe(true);
    expect(new TandemProvider({ metaMaskCompat: false }).isMetaMask).toBe(false);
    const seen: unknown[] = [];
    provider.on('chainChanged', (c) => seen.push(['chainChanged', c]));
    provider.on('networkChanged', (n) => seen.push(['networkChanged', n]));
    page.fromBridge({ type: 'ready' });
    page.fromBridge({ type: 'state', state: { chainId: '0x7a69', accounts: [], isMetaMask: true } });
    page.fromBridge({ type: 'event', event: 'chainChanged', data: '0x7a6a' });
    expect(seen).toEqual([
      ['chainChanged', '0x7a6a'],
      ['networkChanged', '31338'],
    ]);
    expect(provider.networkVersion).toBe('31338');
    page.fromBridge({ type: 'state', state: { chainId: '0x7a6a', accounts: [], isMetaMask: false } });
    expect(provider.isMetaMask).toBe(false);
  });
});
