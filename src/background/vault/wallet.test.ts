import { describe, expect, it } from 'vitest';
import { WalletService, WrongPasswordError, SESSION_KEY } from './wallet';
import { memoryArea } from '../storage';
import { memoryRepository, vaultAad, type LegacyDevelopmentRecord } from './records';
import { parseWatchAddress } from './watch-address';
import { deriveKeyBytes, importAesKey, seal } from '../../crypto/at-rest';

const PASSWORD = 'correct horse battery';
/** Hardhat's account #1: a checksummed address with mixed case. */
const WATCHED = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

async function created() {
  const repo = memoryRepository();
  const session = memoryArea();
  const prefs = memoryArea();
  const w = new WalletService({ repo, session, iterations: 100_000, prefs });
  await w.createKeyring(PASSWORD);
  const vault = await w.addWatchOnly('Watched', WATCHED);
  return { repo, session, prefs, w, vault };
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code,
  );

describe('watch-only addresses', () => {
  it('are stored as public data only (no share), active, and never open a share', async () => {
    const { repo, w, vault } = await created();
    expect(vault).toMatchObject({ kind: 'watch', name: 'Watched', address: WATCHED });
    expect(vault.keyDiscarded).toBeUndefined();
    expect(await w.activeAccount()).toBe(WATCHED);
    expect(await w.isWatchOnly()).toBe(true);
    const [stored] = (repo.raw() as { vaults: Record<string, unknown>[] }).vaults;
    expect(Object.keys(stored!).sort()).toEqual(['address', 'createdAt', 'id', 'kind', 'name', 'schema']);
    expect(await code(w.openShare(vault.id))).toBe('vault.noShare');
    expect(await w.shareFormatOf(vault.id)).toBeNull();
    expect(await code(w.replaceShare(vault.id, new Uint8Array(1)))).toBe('vault.noShare');
  });

  it('need the wallet unlocked, and an address already in Tandem is refused', async () => {
    const { w } = await created();
    expect(await code(w.addWatchOnly('Again', WATCHED))).toBe('watch.alreadyHere');
    await w.lock();
    expect(await w.isWatchOnly()).toBe(false);
    expect(await code(w.addWatchOnly('Other', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'))).toBe('wallet.locked');
  });

  it('become the active account when added, even beside a co-signed vault; a new co-signed vault takes over again', async () => {
    const { w } = await created();
    const tss = await w.addVault({
      name: 'Co-signed',
      kind: 'tss',
      address: '0x0000000000000000000000000000000000000002',
      publicKey: '02' + '11'.repeat(32),
      shareFormat: 'f',
      share: new TextEncoder().encode('s'),
    });
    expect((await w.vault())?.id).toBe(tss.id);
    const other = await w.addWatchOnly('', '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
    expect(other).toMatchObject({ kind: 'watch', name: 'Watch-only', address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' });
    expect((await w.vault())?.id).toBe(other.id);
    await w.selectVault(tss.id);
    expect(await w.isWatchOnly()).toBe(false);
  });

  it('addresses: lower or upper case accepted and checksummed; a wrong mixed-case checksum or a non-address refused', () => {
    expect(parseWatchAddress(` ${WATCHED.toLowerCase()} `)).toBe(WATCHED);
    expect(parseWatchAddress('0x' + WATCHED.slice(2).toUpperCase())).toBe(WATCHED);
    const badChecksum = WATCHED.replace('C518', 'c518');
    const codeOf = (text: string) => {
      try {
        parseWatchAddress(text);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(codeOf(badChecksum)).toBe('watch.badChecksum');
    for (const bad of ['', 'vitalik.eth', WATCHED.slice(0, 41), WATCHED + '0', '0x' + 'g'.repeat(40), WATCHED.slice(2)])
      expect(codeOf(bad), bad).toBe('watch.badAddress');
  });
});

describe('a development vault stored by an earlier build', () => {
  /** Storage as an earlier build left it: a keyring and a 'development' record with an encrypted placeholder. */
  async function legacyStorage() {
    const repo = memoryRepository();
    const session = memoryArea();
    await new WalletService({ repo, session, iterations: 100_000 }).createKeyring(PASSWORD);
    const key = await importAesKey(await deriveKeyBytes(PASSWORD, (await repo.getKeyring())!.kdf));
    const legacy: LegacyDevelopmentRecord = {
      id: 'dev-1',
      schema: 1,
      name: 'My dev vault',
      kind: 'development',
      address: '0x90F79bf6EB2c4F870365E785982E1f101E93b906',
      publicKey: '02' + '33'.repeat(32),
      shareFormat: 'tandem-dev-placeholder-v1',
      share: await seal(key, new TextEncoder().encode('{"format":"tandem-dev-placeholder-v1"}'), vaultAad('dev-1')),
      createdAt: 1_700_000_000_000,
    };
    await repo.putVault(legacy);
    return { repo, session, legacy };
  }

  it('is read as a watch-only address marked keyDiscarded, rewritten in storage without its placeholder, even while locked', async () => {
    const { repo, session, legacy } = await legacyStorage();
    const w = new WalletService({ repo, session });
    await w.lock();
    const one = { index: 0, name: legacy.name, address: legacy.address, path: 'm' };
    expect(await w.vault()).toEqual({
      id: legacy.id,
      name: legacy.name,
      kind: 'watch',
      address: legacy.address,
      createdAt: legacy.createdAt,
      keyDiscarded: true,
      accounts: [one],
      account: one,
    });
    expect((repo.raw() as { vaults: unknown[] }).vaults).toEqual([
      {
        id: legacy.id,
        schema: 1,
        name: legacy.name,
        kind: 'watch',
        address: legacy.address,
        createdAt: legacy.createdAt,
        from: 'development-vault',
      },
    ]);
  });

  it('keeps its address for dApps once unlocked, and never signs: no share opens', async () => {
    const { repo, session, legacy } = await legacyStorage();
    const w = new WalletService({ repo, session });
    expect(await w.activeAccount()).toBe(legacy.address);
    expect(await w.isWatchOnly()).toBe(true);
    expect(await code(w.openShare(legacy.id))).toBe('vault.noShare');
    expect(await w.shareFormatOf(legacy.id)).toBeNull();
    expect((await w.vaults()).map((v) => v.kind)).toEqual(['watch']);
  });
});

describe('vault store', () => {
  it('stores no plaintext password', async () => {
    const { repo } = await created();
    expect(JSON.stringify(repo.raw())).not.toContain(PASSWORD);
  });

  it('wrong password: clear error, nothing changed, the right one still works', async () => {
    const { repo, w } = await created();
    await w.lock();
    const before = JSON.stringify(repo.raw());
    for (let i = 0; i < 3; i++) await expect(w.unlock('wrong password')).rejects.toBeInstanceOf(WrongPasswordError);
    await expect(w.unlock('wrong password')).rejects.toMatchObject({ code: 'wallet.wrongPassword' });
    expect(JSON.stringify(repo.raw())).toBe(before);
    expect(await w.isUnlocked()).toBe(false);
    await w.unlock(PASSWORD);
    expect(await w.isUnlocked()).toBe(true);
  });

  it('keeps the unlocked key in session storage across a worker restart, and lock clears it', async () => {
    const { repo, session, prefs, w, vault } = await created();
    const restarted = new WalletService({ repo, session, prefs });
    expect(await restarted.activeAccount()).toBe(vault.address);
    await restarted.lock();
    expect(await session.get(SESSION_KEY)).toBeUndefined();
    // the old instance's memory copy is separate; a fresh one sees the lock
    expect(await new WalletService({ repo, session }).isUnlocked()).toBe(false);
    void w;
  });

  it('refuses short passwords and a second keyring', async () => {
    const w = new WalletService({ repo: memoryRepository(), session: memoryArea(), iterations: 100_000 });
    await expect(w.createKeyring('short')).rejects.toMatchObject({ code: 'wallet.passwordTooShort', details: { min: 8 } });
    await w.createKeyring(PASSWORD);
    await expect(w.createKeyring(PASSWORD)).rejects.toMatchObject({ code: 'wallet.exists' });
  });
});

describe('vault records for real shares', () => {
  it('stores a TSS share encrypted, bound to its vault id, and opens it when unlocked', async () => {
    const { repo, w } = await created();
    const share = new TextEncoder().encode('dkls23-share-bytes-SECRET');
    const v = await w.addVault({
      name: 'Phone + laptop',
      kind: 'tss',
      address: '0x0000000000000000000000000000000000000002',
      publicKey: '02' + '11'.repeat(32),
      shareFormat: 'tandem-dkls23-share-v1',
      share,
    });
    expect(JSON.stringify(repo.raw())).not.toContain('SECRET');
    expect(new TextDecoder().decode(await w.openShare(v.id))).toBe('dkls23-share-bytes-SECRET');
    await w.lock();
    await expect(w.openShare(v.id)).rejects.toMatchObject({ code: 'wallet.locked' });
    await expect(w.addVault({ name: 'x', kind: 'tss', address: '0x', publicKey: '', shareFormat: 'f', share })).rejects.toMatchObject({
      code: 'wallet.locked',
    });
  });

  it('replaces the share of a vault in place, still encrypted, and only while unlocked', async () => {
    const { repo, w } = await created();
    const enc = (t: string) => new TextEncoder().encode(t);
    const v = await w.addVault({
      name: 'V',
      kind: 'tss',
      address: '0x0000000000000000000000000000000000000003',
      publicKey: '02' + '22'.repeat(32),
      shareFormat: 'f',
      share: enc('old-SECRET'),
    });
    await w.replaceShare(v.id, enc('new-SECRET-burned'));
    expect(new TextDecoder().decode(await w.openShare(v.id))).toBe('new-SECRET-burned');
    expect(JSON.stringify(repo.raw())).not.toContain('SECRET');
    expect((await w.vaults()).map((x) => x.address)).toContain('0x0000000000000000000000000000000000000003');
    await expect(w.replaceShare('nope', enc('x'))).rejects.toMatchObject({ code: 'vault.gone' });
    await w.lock();
    await expect(w.replaceShare(v.id, enc('x'))).rejects.toMatchObject({ code: 'wallet.locked' });
  });
});
