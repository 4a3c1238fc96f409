/** The vault at rest: wrong password, and no plaintext secret in IndexedDB or chrome.storage. */
import { test, expect, openDapp, PASSWORD } from './fixtures';

/** The marker inside the development vault's share blob (src/background/vault/dev-vault.ts). */
const DEV_SHARE_MARKER = 'TANDEM-DEV-PLAINTEXT-SHARE-MARKER';

test('wrong password: a clear error, no lockout, then the right password unlocks', async ({ wallet }) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.createVault(popup);
  await popup.getByRole('button', { name: 'Lock' }).click();
  await expect(popup.getByRole('heading', { name: 'Tandem is locked' })).toBeVisible();
  for (let i = 0; i < 3; i++) {
    await popup.getByLabel('Password').fill('not-the-password');
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await expect(popup.getByRole('alert')).toHaveText(/Wrong password/);
  }
  await popup.getByLabel('Password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Unlock' }).click();
  await expect(popup.getByTestId('vault-name')).toHaveText('E2E vault');
  expect((await wallet.state(popup)).vault?.address).toBe(vault!.address);
});

test('no plaintext share or password anywhere in IndexedDB or chrome.storage', async ({ wallet }) => {
  const popup = await wallet.openPopup();
  await wallet.createVault(popup);
  // Read every raw store from an extension page.
  const dump = await popup.evaluate(async () => {
    const out: Record<string, unknown> = {};
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        out[`idb:${info.name}/${store}`] = await new Promise((res, rej) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
      }
      db.close();
    }
    out['chrome.storage.local'] = await chrome.storage.local.get(null);
    out['chrome.storage.session'] = await chrome.storage.session.get(null);
    return out;
  });
  const raw = JSON.stringify(dump);
  // The stores exist and hold the encrypted share...
  const vaults = dump['idb:tandem-vaults/vaults'] as { kind: string; share: { alg: string; ciphertext: string } }[];
  expect(vaults).toHaveLength(1);
  expect(vaults[0]).toMatchObject({ kind: 'development', share: { alg: 'AES-GCM' } });
  expect(vaults[0]!.share.ciphertext.length).toBeGreaterThan(100);
  // ...but neither the share's plaintext nor the password appears anywhere, in any encoding we can think of.
  for (const secret of [DEV_SHARE_MARKER, PASSWORD]) {
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(Buffer.from(secret).toString('base64').slice(0, 20));
    expect(raw).not.toContain(Buffer.from(secret).toString('hex'));
  }
  // The unlocked key lives in chrome.storage.session, which content scripts cannot read.
  expect(Object.keys(dump['chrome.storage.session'] as object)).toContain('unlocked.v1');
});

test('auto-lock: the idle alarm follows the setting and, when it fires, locks and tells connected pages', async ({
  context,
  dapps,
  wallet,
}) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.createVault(popup);
  const a = await openDapp(context, dapps.a.url);
  const connect = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await wallet.decide(popup, true);
  expect(await connect).toEqual({ result: [vault!.address.toLowerCase()] });

  expect((await wallet.command(popup, { type: 'setAutoLock', minutes: 7 })).ok).toBe(true);
  const alarm = await popup.evaluate(() => chrome.alarms.get('tandem-auto-lock'));
  expect(alarm!.scheduledTime - Date.now()).toBeGreaterThan(6.5 * 60_000);
  expect(alarm!.scheduledTime - Date.now()).toBeLessThanOrEqual(7 * 60_000);

  // Let the idle time run out now (Chrome lets unpacked extensions use short alarms).
  await popup.evaluate(() => chrome.alarms.create('tandem-auto-lock', { when: Date.now() + 300 }));
  await expect(popup.getByRole('heading', { name: 'Tandem is locked' })).toBeVisible({ timeout: 15_000 });
  await expect
    .poll(() => a.evaluate(() => (window as any).dapp.events.filter((e: any) => e.event === 'accountsChanged').map((e: any) => e.data)))
    .toEqual([[vault!.address.toLowerCase()], []]);
  expect(await a.evaluate(() => (window as any).dapp.request('eth_accounts'))).toEqual({ result: [] });
});
