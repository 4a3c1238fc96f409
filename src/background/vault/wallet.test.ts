import { describe, expect, it } from 'vitest';
import { WalletService, WrongPasswordError, SESSION_KEY } from './wallet';
import { memoryArea } from '../storage';
import { memoryRepository } from './records';
import { DEV_SHARE_MARKER } from './dev-vault';

const PASSWORD = 'correct horse battery';

async function created() {
  const repo = memoryRepository();
  const session = memoryArea();
  const w = new WalletService({ repo, session, iterations: 100_000 });
  const vault = await w.createDevVault('Dev', PASSWORD);
  return { repo, session, w, vault };
}

describe('vault store', () => {
  it('creates a labelled development vault with an EIP-55 address, unlocked', async () => {
    const { w, vault } = await created();
    expect(vault.kind).toBe('development');
    expect(vault.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(vault.address).not.toBe(vault.address.toLowerCase());
    expect(await w.activeAccount()).toBe(vault.address);
  });

  it('stores no plaintext share, and decrypts it only with the key', async () => {
    const { repo, w, vault } = await created();
    const raw = JSON.stringify(repo.raw());
    expect(raw).not.toContain(DEV_SHARE_MARKER);
    expect(raw).not.toContain(PASSWORD);
    expect(new TextDecoder().decode(await w.openShare(vault.id))).toContain(DEV_SHARE_MARKER);
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
    const { repo, session, w, vault } = await created();
    const restarted = new WalletService({ repo, session });
    expect(await restarted.activeAccount()).toBe(vault.address);
    await restarted.lock();
    expect(await session.get(SESSION_KEY)).toBeUndefined();
    // the old instance's memory copy is separate; a fresh one sees the lock
    expect(await new WalletService({ repo, session }).isUnlocked()).toBe(false);
    void w;
  });

  it('refuses short passwords and a second vault', async () => {
    const w = new WalletService({ repo: memoryRepository(), session: memoryArea(), iterations: 100_000 });
    await expect(w.createDevVault('x', 'short')).rejects.toMatchObject({ code: 'wallet.passwordTooShort', details: { min: 8 } });
    await w.createDevVault('x', PASSWORD);
    await expect(w.createDevVault('y', PASSWORD)).rejects.toMatchObject({ code: 'wallet.exists' });
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
