/** Chrome's handling of the extension's MV3 service worker, for the e2e tests. */
import type { BrowserContext, Page } from '@playwright/test';

/** Stops the extension's service worker through the DevTools protocol, as Chrome does when it is idle. */
export async function stopServiceWorker(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets');
  const sw = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith('chrome-extension://'));
  if (!sw) throw new Error('no extension service worker to stop');
  await cdp.send('Target.closeTarget', { targetId: sw.targetId });
  await cdp.detach();
}
