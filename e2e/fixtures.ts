/**
 * Playwright fixtures: Debian's Chromium with the built extension (dist/),
 * two real Hardhat nodes (chain 31337 and 31338), two dApp origins, and a
 * `wallet` helper that drives the popup like a user.
 */
import { test as base, chromium, expect, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHardhatNode, type HardhatNode } from './support/hardhat';
import { startDappServer, type DappServer } from './support/dapp-server';
import type { PopupCommand, PopupReply, WalletState } from '../src/shared/popup-api';
import { randomBytes } from 'node:crypto';
import { getAddress } from 'ethers';

export const DIST = resolve('dist');
export const POPUP_PATH = 'src/popup/index.html';
export const SCREENSHOTS = resolve('screenshots');
export const PASSWORD = 'tandem-e2e-password';

/** Chromium flags: load only our extension, no network chatter. Playwright's `headless: true` (new headless) loads the extension with Debian's Chromium 156; no `--headless=new` needed. */
export function chromiumArgs(dist = DIST): string[] {
  return [
    `--disable-extensions-except=${dist}`,
    `--load-extension=${dist}`,
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-sync',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ];
}

/** Drives the popup page as a user would. */
export class WalletHelper {
  constructor(
    readonly context: BrowserContext,
    readonly extensionId: string,
    readonly chains: { main: HardhatNode; second: HardhatNode },
  ) {}

  popupUrl(hash = ''): string {
    return `chrome-extension://${this.extensionId}/${POPUP_PATH}${hash}`;
  }

  /** Opens the popup in a tab sized like the real popup. */
  async openPopup(): Promise<Page> {
    const page = await this.context.newPage();
    await page.setViewportSize({ width: 360, height: 600 });
    await page.goto(this.popupUrl());
    return page;
  }

  /** Sends a popup command from an extension page (fast path for setup). */
  async command(popup: Page, cmd: PopupCommand): Promise<PopupReply> {
    return popup.evaluate((c) => chrome.runtime.sendMessage(c), cmd) as Promise<PopupReply>;
  }

  /**
   * First run: adds a watch-only address through the first screen's "Watch an address" (the vault without co-signers
   * that tests of reading and connecting need; a fresh random address unless given) and points Hardhat (local) at the
   * test node. Tests that sign pair a co-signed vault instead (support/pair-vault.ts).
   */
  async addWatchOnly(
    popup: Page,
    { address = randomAddress(), name = 'E2E watch', password = PASSWORD }: { address?: string; name?: string; password?: string } = {},
  ): Promise<WalletState> {
    await popup.getByRole('button', { name: 'Watch an address (watch-only)' }).click();
    await popup.getByLabel('Name').fill(name);
    await popup.getByLabel('Address to watch').fill(address);
    await popup.getByLabel('Password', { exact: true }).fill(password);
    await popup.getByLabel('Confirm password').fill(password);
    await popup.getByRole('button', { name: 'Add watch-only address' }).click();
    await expect(popup.getByTestId('vault-name')).toHaveText(name, { timeout: 20_000 });
    const reply = await this.command(popup, { type: 'setNetworkRpc', chainId: '0x7a69', rpcUrl: this.chains.main.url });
    if (!reply.ok) throw new Error(reply.error);
    return reply.state;
  }

  /** Opens a dApp page and connects it (eth_requestAccounts, approved in the popup); resolves with the page and the dApp's answer. */
  async connectDapp(popup: Page, url: string): Promise<{ page: Page; accounts: unknown }> {
    const page = await openDapp(this.context, url);
    const connect = page.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
    await this.decide(popup, true);
    return { page, accounts: await connect };
  }

  /** Waits for an approval in the popup and clicks Connect/Add network (approve) or Reject. */
  async decide(popup: Page, approve: boolean, kind: 'connect' | 'addChain' = 'connect'): Promise<void> {
    await expect(popup.getByTestId('approval')).toHaveAttribute('data-kind', kind, { timeout: 10_000 });
    const name = approve ? (kind === 'connect' ? 'Connect' : 'Add network') : 'Reject';
    await popup.getByRole('button', { name, exact: true }).click();
    await expect(popup.getByTestId('approval')).toHaveCount(0, { timeout: 10_000 });
  }

  async state(popup: Page): Promise<WalletState> {
    const r = await this.command(popup, { type: 'getState' });
    if (!r.ok) throw new Error(r.error);
    return r.state;
  }

  /** Saves a screenshot of a popup screen into screenshots/ (git-ignored). */
  async screenshot(popup: Page, name: string): Promise<string> {
    if (!existsSync(SCREENSHOTS)) mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await popup.screenshot({ path });
    return path;
  }
}

/** A fresh EIP-55 address nobody holds a key for (20 random bytes): unfunded on the test nodes. */
export function randomAddress(): string {
  return getAddress('0x' + randomBytes(20).toString('hex'));
}

/** Opens a dApp page and waits for its script. */
export async function openDapp(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => 'dapp' in window);
  return page;
}

/** Debian's Chromium with the built extension, in a fresh profile of its own; `close()` also deletes the profile. */
export async function launchExtensionBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(join(DIST, 'manifest.json'))) throw new Error('dist/ is missing: run `npm run build` first (npm run test:e2e does).');
  const userDataDir = mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs(),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The extension's id in a browser launched by {@link launchExtensionBrowser}. */
export async function extensionIdOf(context: BrowserContext): Promise<string> {
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  return new URL(worker.url()).host;
}

type WorkerFixtures = {
  chains: { main: HardhatNode; second: HardhatNode };
  dapps: { a: DappServer; b: DappServer };
};

type TestFixtures = {
  context: BrowserContext;
  extensionId: string;
  wallet: WalletHelper;
};

export const test = base.extend<TestFixtures, WorkerFixtures>({
  chains: [
    async ({}, use) => {
      const [main, second] = await Promise.all([startHardhatNode(31337), startHardhatNode(31338)]);
      await use({ main, second });
      await Promise.all([main.stop(), second.stop()]);
    },
    { scope: 'worker', timeout: 200_000 },
  ],
  dapps: [
    async ({}, use) => {
      const [a, b] = await Promise.all([startDappServer(), startDappServer()]);
      await use({ a, b });
      await Promise.all([a.close(), b.close()]);
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  context: async ({}, use) => {
    const browser = await launchExtensionBrowser();
    await use(browser.context);
    await browser.close();
  },
  extensionId: async ({ context }, use) => {
    await use(await extensionIdOf(context));
  },
  wallet: async ({ context, extensionId, chains }, use) => {
    await use(new WalletHelper(context, extensionId, chains));
  },
});

export { expect };
