/** A co-signed vault for the e2e tests: the popup pairs with the command-line co-signer over a real relay. */
import type { Page } from '@playwright/test';
import { expect, PASSWORD, type WalletHelper } from '../fixtures';
import type { CosignerDevice } from './cosigner';

/**
 * Pairs a 2-of-2 vault from the popup with the CLI co-signer over the relay
 * at `relayUrl`; returns the vault's address. `screenshots`: one at each step
 * (`tss-01-create` … `tss-05-home`).
 */
export async function pairWithCliCosigner(
  wallet: WalletHelper,
  popup: Page,
  cosigner: CosignerDevice,
  relayUrl: string,
  { screenshots: shots = false }: { screenshots?: boolean } = {},
): Promise<string> {
  expect((await wallet.command(popup, { type: 'setRelayUrl', url: relayUrl })).ok).toBe(true);
  await popup.getByLabel('Vault name').fill('Paired vault');
  await popup.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await popup.getByLabel('Confirm password').fill(PASSWORD);
  if (shots) await wallet.screenshot(popup, 'tss-01-create');
  await popup.getByRole('button', { name: 'Create vault and pair devices' }).click();
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
  await expect(popup.getByTestId('pairing-qr')).toBeVisible();
  const pairing = (await popup.getByTestId('pairing-text').textContent())!.trim();
  if (shots) await wallet.screenshot(popup, 'tss-02-pairing-qr');

  const join = cosigner.run(['join', pairing, '--device-id', 'cli-cosigner']);
  // Bounds, not speed checks: the co-signer process starts slowly on a loaded machine.
  await expect(popup.getByTestId('device-joined')).toHaveCount(1, { timeout: 120_000 });
  if (shots && (await popup.getByTestId('pairing').getAttribute('data-status')) !== 'done')
    await wallet.screenshot(popup, 'tss-03-pairing-running');
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  const address = (await popup.getByTestId('new-vault-address').getByTestId('address').textContent())!.trim();
  expect(await join.exit()).toBe(0);
  expect(join.output).toContain(`address ${address}`);
  if (shots) await wallet.screenshot(popup, 'tss-04-vault-ready');
  await popup.getByRole('button', { name: 'Open wallet' }).click();
  await expect(popup.getByTestId('vault-quorum')).toHaveText('CO-SIGNED 2-OF-2');
  if (shots) await wallet.screenshot(popup, 'tss-05-home');
  return address;
}
