/** The phone co-signer page (src/cosigner/web) in a Pixel-sized mobile browser, for the e2e tests. */
import { chromium, devices, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, PASSWORD, SCREENSHOTS, type WalletHelper } from '../fixtures';

export const PIN = 'phone-pin-2468';

/** The phones' browser: Debian's Chromium. */
export function launchPhoneBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
}

/** A phone: a Pixel 7 profile (mobile viewport, touch, Android user agent) in its own browser context. */
export async function openPhoneIn(phoneBrowser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await phoneBrowser.newContext({ ...devices['Pixel 7'] });
  return { context, page: await context.newPage() };
}

/**
 * Saves the phone screen at 360 and 414 px wide, then goes back to the
 * Pixel's size. A screen taller than the phone is shot in a viewport as tall
 * as its content, so the sticky tab bar sits where the user finds it when
 * scrolled to the end.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  if (!existsSync(SCREENSHOTS)) mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize()!;
  for (const width of [360, 414]) {
    await page.setViewportSize({ width, height: 780 });
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (height > 780) await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SCREENSHOTS, `phone-${name}-${width}.png`) });
  }
  await page.setViewportSize(original);
}

/** The popup starts key generation of a 2-of-2 vault; the phone opens the popup's pairing link and joins. */
export async function pairWithPhoneAt(relayUrl: string, wallet: WalletHelper, popup: Page, phone: Page): Promise<string> {
  const relay = { url: relayUrl };
  expect((await wallet.command(popup, { type: 'setRelayUrl', url: relay.url })).ok).toBe(true);
  await popup.getByLabel('Vault name').fill('Phone vault');
  await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await popup.getByLabel('Confirm password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Create vault and pair devices' }).click();
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
  const link = (await wallet.state(popup)).ceremony!.link;
  expect(link.startsWith(`${relay.url}/cosigner/#p=`)).toBe(true);

  await phone.goto(link);
  const join = phone.getByRole('form', { name: 'Join' });
  await expect(join.getByTestId('join-vault-name')).toHaveText('“Phone vault”');
  expect(phone.url()).not.toContain('#p='); // the pairing does not stay in the address bar
  await join.getByLabel('Name of this phone').fill('Test Pixel');
  await join.getByLabel('New PIN or passphrase').fill(PIN);
  await join.getByLabel('Confirm PIN').fill(PIN);
  await shoot(phone, '01-join');
  await join.getByRole('button', { name: 'Join' }).click();
  await expect(popup.getByTestId('device-joined')).toHaveCount(1, { timeout: 30_000 });
  await expect(popup.getByTestId('device-joined')).toContainText('Test-Pixel-');
  await expect(phone.getByTestId('ceremony')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  const address = (await popup.getByTestId('new-vault-address').getByTestId('address').textContent())!.trim();
  await expect(phone.getByTestId('phone-vault-address').getByTestId('address')).toHaveText(address);
  await shoot(phone, '02-vault-ready');
  await phone.getByRole('button', { name: 'Done' }).click();
  await expect(phone.getByTestId('listen-status')).toHaveAttribute('data-state', 'listening', { timeout: 15_000 });
  await popup.getByRole('button', { name: 'Open wallet' }).click();
  await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');
  return address;
}

/** The phone's page opened again in `context` (same storage) and unlocked with the PIN. */
export async function reopenPhone(context: BrowserContext, relayUrl: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${relayUrl}/cosigner/`);
  const unlock = page.getByRole('form', { name: 'Unlock' });
  await unlock.getByLabel('PIN or passphrase').fill(PIN);
  await unlock.getByRole('button', { name: 'Unlock' }).click();
  return page;
}
