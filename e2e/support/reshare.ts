/** Re-sharing a co-signed vault from the popup, for the e2e tests. */
import type { Page } from '@playwright/test';
import type { CeremonyView } from '../../src/shared/popup-api';
import { expect, type WalletHelper } from '../fixtures';
import type { CosignerDevice, CosignerRun } from './cosigner';
import { pairWithPhoneAt } from './phone';

/** Starts the re-share 2-of-2 → 2-of-3 from the popup's settings; returns the ceremony once it waits for the devices. */
export async function startReshareFromSettings(wallet: WalletHelper, popup: Page): Promise<CeremonyView> {
  await popup.getByRole('button', { name: 'Settings' }).click();
  const form = popup.getByRole('form', { name: 'Re-share' });
  await form.getByLabel('Devices after').selectOption('3');
  await form.getByRole('button', { name: 'Start re-share' }).click();
  await expect(popup.getByTestId('pairing')).toHaveAttribute('data-status', 'waiting', { timeout: 15_000 });
  return (await wallet.state(popup)).ceremony!;
}

/**
 * The phone pairs a 2-of-2 vault with this browser; the popup starts the re-share to 2-of-3, the phone joins,
 * and `added` (a new CLI device) joins frozen on its first round-2 message — the phone is then inside the
 * rounds — until the file `resume` exists (src/cosigner/test-pause.ts). Returns the vault's address, the
 * new device's run and the phone's device id.
 */
export async function reshareWithPhone(
  relayUrl: string,
  wallet: WalletHelper,
  popup: Page,
  phone: Page,
  added: CosignerDevice,
  resume: string,
): Promise<{ address: string; fresh: CosignerRun; phoneId: string }> {
  const address = await pairWithPhoneAt(relayUrl, wallet, popup, phone);
  const { link, pairing } = await startReshareFromSettings(wallet, popup);
  await phone.goto(link);
  await phone.getByRole('form', { name: 'Join' }).getByRole('button', { name: 'Join' }).click();
  const fresh = added.run(['join', pairing, '--device-id', 'cli-new-device'], {
    TANDEM_TEST_PAUSE_AT: 'reshare/ecdsa:2',
    TANDEM_TEST_PAUSE_UNTIL: resume,
  });
  await fresh.waitFor(/^test-pause: /m, 120_000);
  const phoneId = (await wallet.state(popup)).ceremony!.joined.find((d) => d.startsWith('Test-Pixel-'));
  expect(phoneId).toBeTruthy();
  return { address, fresh, phoneId: phoneId! };
}
