/** The vault at rest: wrong password, and no plaintext secret in IndexedDB or chrome.storage. */
import { test, expect, openDapp, PASSWORD, randomAddress } from './fixtures';
import { CosignerDevice } from './support/cosigner';
import { pairWithCliCosigner } from './support/pair-vault';
import { startRelay, type RunningRelay } from '../src/relay/server';

/**
 * Field names of a device vault record's plaintext (src/session/device-vault.ts: the shares, the identity's
 * private keys, the paired channel's secret), as they would appear in its JSON if it were stored in the clear.
 */
const PLAINTEXT_FIELDS = ['"ecdsa":', '"eddsa":', '"identity":', '"channel":'];

let relay: RunningRelay;
test.beforeAll(async () => {
  relay = await startRelay({ port: 0, allowedOrigins: ['chrome-extension://*'] });
});
test.afterAll(async () => {
  await relay?.close();
});

test('wrong password: a clear error, no lockout, then the right password unlocks', async ({ wallet }) => {
  const popup = await wallet.openPopup();
  const { vault } = await wallet.addWatchOnly(popup);
  await popup.getByRole('button', { name: 'Lock' }).click();
  await expect(popup.getByRole('heading', { name: 'Tandem is locked' })).toBeVisible();
  for (let i = 0; i < 3; i++) {
    await popup.getByLabel('Password').fill('not-the-password');
    await popup.getByRole('button', { name: 'Unlock' }).click();
    await expect(popup.getByRole('alert')).toHaveText(/Wrong password/);
  }
  await popup.getByLabel('Password').fill(PASSWORD);
  await popup.getByRole('button', { name: 'Unlock' }).click();
  await expect(popup.getByTestId('vault-name')).toHaveText('E2E watch');
  expect((await wallet.state(popup)).vault?.address).toBe(vault!.address);
});

test('no plaintext share or password anywhere in IndexedDB or chrome.storage (a co-signed vault and a watch-only address)', async ({
  wallet,
}) => {
  test.setTimeout(240_000);
  const popup = await wallet.openPopup();
  const cosigner = new CosignerDevice();
  try {
    await pairWithCliCosigner(wallet, popup, cosigner, relay.url);
  } finally {
    await cosigner.dispose();
  }
  const watched = randomAddress();
  expect((await wallet.command(popup, { type: 'addWatchOnly', name: 'Watched', address: watched })).ok).toBe(true);
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
  // The stores exist: the co-signed vault's share encrypted; the watch-only address as public data, with no share at all...
  const vaults = dump['idb:tandem-vaults/vaults'] as { kind: string; address: string; share?: { alg: string; ciphertext: string } }[];
  expect(vaults.map((v) => v.kind).sort()).toEqual(['tss', 'watch']);
  const tss = vaults.find((v) => v.kind === 'tss')!;
  expect(tss).toMatchObject({ share: { alg: 'AES-GCM' } });
  expect(tss.share!.ciphertext.length).toBeGreaterThan(1000);
  const watch = vaults.find((v) => v.kind === 'watch')!;
  expect(watch.address).toBe(watched);
  expect(watch).not.toHaveProperty('share');
  // ...but neither the share record's plaintext nor the password appears anywhere, in any encoding we can think of.
  for (const field of PLAINTEXT_FIELDS) expect(raw).not.toContain(field);
  for (const secret of [PASSWORD]) {
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
  const { vault } = await wallet.addWatchOnly(popup);
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

test('a development vault stored by an earlier build shows as watch-only with its warning, stays connectable, and never signs', async ({
  context,
  dapps,
  wallet,
}) => {
  const popup = await wallet.openPopup();
  await wallet.addWatchOnly(popup);
  // What an earlier build stored for its development vault: an address whose key was discarded, an encrypted placeholder.
  const legacy = {
    id: 'legacy-dev-vault',
    schema: 1,
    name: 'Development vault',
    kind: 'development',
    address: randomAddress(),
    publicKey: '02' + '33'.repeat(32),
    shareFormat: 'tandem-dev-placeholder-v1',
    share: { alg: 'AES-GCM', iv: 'AAAAAAAAAAAAAAAA', ciphertext: 'AAAA' },
    createdAt: 1_700_000_000_000,
  };
  const idb = (record?: unknown) =>
    popup.evaluate(async (put) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open('tandem-vaults');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const store = db.transaction('vaults', put ? 'readwrite' : 'readonly').objectStore('vaults');
      const r = put ? store.put(put) : store.getAll();
      const out = await new Promise((res, rej) => {
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      db.close();
      return out;
    }, record);
  await idb(legacy);

  const selected = await wallet.command(popup, { type: 'selectVault', id: legacy.id });
  expect(selected.ok && selected.state.vault).toMatchObject({ kind: 'watch', address: legacy.address, keyDiscarded: true });
  // Rewritten in storage as a watch-only record, placeholder gone.
  expect((await idb()) as unknown[]).toContainEqual({
    id: legacy.id,
    schema: 1,
    name: legacy.name,
    kind: 'watch',
    address: legacy.address,
    createdAt: legacy.createdAt,
    from: 'development-vault',
  });

  await popup.reload();
  await expect(popup.getByTestId('watch-badge')).toHaveText('WATCH ONLY');
  await expect(popup.getByTestId('watch-notice')).toContainText('Never send funds to this address');
  await wallet.screenshot(popup, 'watch-legacy-development');

  const a = await openDapp(context, dapps.a.url);
  const connect = a.evaluate(() => (window as any).dapp.request('eth_requestAccounts'));
  await wallet.decide(popup, true);
  expect(await connect).toEqual({ result: [legacy.address.toLowerCase()] });
  const sign = await a.evaluate((from) => (window as any).dapp.request('personal_sign', ['0x68656c6c6f', from]), legacy.address);
  expect(sign.error).toMatchObject({ code: 4100, data: { code: 'vault.watchOnly' } });
  expect((await wallet.state(popup)).approvals).toEqual([]);
});
