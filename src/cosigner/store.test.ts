import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVault, joinVault } from '../session/ceremonies.js';
import { vaultId, type DeviceVault } from '../session/device-vault.js';
import { newIdentity, publicOf } from '../session/identity.js';
import { Mailbox } from '../session/mailbox.js';
import { Room } from '../session/memory-room.test-util.js';
import { StoreError, VaultStore } from './store.js';
import { DailySpending } from './spending.js';
import { thrownCode } from '../errors/codes.test-util';

const FAST = 100_000; // the KDF's floor; the CLI uses 600,000
const dirs: string[] = [];
const tempHome = () => {
  const d = mkdtempSync(join(tmpdir(), 'tandem-store-'));
  dirs.push(d);
  return d;
};
let vaults: DeviceVault[];

beforeAll(async () => {
  const room = new Room();
  const ids = [newIdentity('store-a'), newIdentity('store-b')];
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  const timing = { joinTimeoutMs: 60_000, roundTimeoutMs: 60_000 };
  vaults = await Promise.all([
    createVault({
      ...timing,
      mailbox: boxes[0]!,
      me: ids[0]!,
      sessionId: 's',
      plan: { t: 2, n: 2, name: 'Secret name', relayUrl: 'http://127.0.0.1:1' },
    }),
    joinVault({ ...timing, mailbox: boxes[1]!, me: ids[1]!, sessionId: 's', initiatorSignPub: publicOf(ids[0]!).signPub }),
  ]);
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('co-signer vault store', () => {
  it('stores a vault encrypted, mode 0600, nothing identifying in the clear, and opens it with the password', async () => {
    const store = new VaultStore(tempHome());
    const id = await store.save(vaults[0]!, 'pw', { replace: false, iterations: FAST });
    expect(id).toBe(vaultId(vaults[0]!));
    const path = store.pathOf(id);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(store.home, 'vaults')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(store.home, 'vaults'))).toEqual([`${id}.vault.json`]); // no temporary file left
    const text = readFileSync(path, 'utf8');
    expect(text.toLowerCase()).not.toContain(vaults[0]!.address.slice(2).toLowerCase());
    expect(text).not.toContain('Secret name');
    const file = JSON.parse(text);
    expect(file).toMatchObject({
      format: 'tandem-cosigner-vault',
      version: 1,
      vaultId: id,
      alg: 'AES-GCM',
      kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: FAST },
    });
    const back = await store.load(id, 'pw');
    expect(back.address).toBe(vaults[0]!.address);
    expect(back.ecdsa.self).toBe(vaults[0]!.ecdsa.self);
    expect(store.ids()).toEqual([id]);
    expect(store.resolve()).toBe(id);
    expect(store.resolve(id.slice(0, 5))).toBe(id);
    expect(thrownCode(() => store.resolve('ffff'))).toBe('store.noVault');
  });

  it('refuses a wrong password clearly and leaves the file untouched', async () => {
    const store = new VaultStore(tempHome());
    const id = await store.save(vaults[0]!, 'right', { replace: false, iterations: FAST });
    const before = readFileSync(store.pathOf(id));
    await expect(store.load(id, 'wrong')).rejects.toMatchObject({ code: 'store.wrongPassword' });
    expect(readFileSync(store.pathOf(id)).equals(before)).toBe(true);
  });

  it('refuses an altered file', async () => {
    const store = new VaultStore(tempHome());
    const id = await store.save(vaults[0]!, 'pw', { replace: false, iterations: FAST });
    const file = JSON.parse(readFileSync(store.pathOf(id), 'utf8'));
    file.ciphertext = (file.ciphertext[0] === 'A' ? 'B' : 'A') + file.ciphertext.slice(1);
    writeFileSync(store.pathOf(id), JSON.stringify(file));
    await expect(store.load(id, 'pw')).rejects.toThrow(StoreError);
  });

  it('keeps one share of a vault per device, and replaces it atomically when asked (after a re-share)', async () => {
    const store = new VaultStore(tempHome());
    const id = await store.save(vaults[0]!, 'pw', { replace: false, iterations: FAST });
    await expect(store.save(vaults[1]!, 'pw', { replace: false, iterations: FAST })).rejects.toMatchObject({
      code: 'store.alreadyHeld',
    });
    const before = readFileSync(store.pathOf(id), 'utf8');
    await store.save(vaults[1]!, 'pw', { replace: true, iterations: FAST });
    expect(readFileSync(store.pathOf(id), 'utf8')).not.toBe(before);
    expect((await store.load(id, 'pw')).ecdsa.self).toBe(vaults[1]!.ecdsa.self);
    expect(readdirSync(join(store.home, 'vaults'))).toEqual([`${id}.vault.json`]);
  });

  it('exports a backup under a separate password and imports it elsewhere', async () => {
    const a = new VaultStore(tempHome());
    const id = await a.save(vaults[0]!, 'pw', { replace: false, iterations: FAST });
    const out = join(tempHome(), 'backup.json');
    await a.exportBackup(id, 'pw', 'backup-pw', out, FAST);
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('tandem-cosigner-backup');
    const b = new VaultStore(tempHome());
    await expect(b.importBackup(out, 'pw', 'pw2', FAST)).rejects.toMatchObject({ code: 'store.wrongPassword' });
    const v = await b.importBackup(out, 'backup-pw', 'pw2', FAST);
    expect(v.address).toBe(vaults[0]!.address);
    expect((await b.load(id, 'pw2')).identity.deviceId).toBe('store-a');
    // Importing where a share of the same vault already is: refused (two shares in one place).
    await expect(a.importBackup(out, 'backup-pw', 'pw', FAST)).rejects.toMatchObject({ code: 'store.alreadyHeld' });
  });
});

describe('daily spending', () => {
  it('adds up within a UTC day, starts again the next day, and refuses a damaged file', () => {
    const home = tempHome();
    let now = new Date('2026-11-25T10:00:00Z');
    const s = new DailySpending(home, '0123456789abcdef', () => now);
    expect(s.spentToday()).toBe(0n);
    s.add(700n);
    s.add(300n);
    expect(s.spentToday()).toBe(1000n);
    now = new Date('2026-11-26T00:00:01Z');
    expect(s.spentToday()).toBe(0n);
    writeFileSync(s.path, '{not json');
    expect(thrownCode(() => s.spentToday())).toBe('spending.damaged');
  });
});
