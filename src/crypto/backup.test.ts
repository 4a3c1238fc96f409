/**
 * Backups are unlinkable (issue #12): two backups of one vault share no
 * clear-text value that a backup of another vault does not share too (only
 * the format's constants), and both restore; version 1 files still restore.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { errorCode } from '../errors/index';
import { createVault, joinVault } from '../session/ceremonies';
import { encodeDeviceVault, vaultId, type DeviceVault } from '../session/device-vault';
import { newIdentity, publicOf } from '../session/identity';
import { Mailbox } from '../session/mailbox';
import { Room } from '../session/memory-room.test-util';
import { openBackup, sealBackup } from './backup';
import { sealBackupV1 } from './backup-v1.test-util';

const ITER = 100_000; // the KDF's floor: the test's speed, not the product's
const timing = { joinTimeoutMs: 30_000, roundTimeoutMs: 30_000 };

async function twoOfTwo(name: string): Promise<DeviceVault[]> {
  const room = new Room();
  const ids = [newIdentity('ext'), newIdentity('phone')];
  const boxes = ids.map((id) => new Mailbox(room.join(id.deviceId)));
  return Promise.all([
    createVault({ ...timing, mailbox: boxes[0]!, me: ids[0]!, sessionId: 's', plan: { t: 2, n: 2, name, relayUrl: 'http://127.0.0.1:1' } }),
    joinVault({ ...timing, mailbox: boxes[1]!, me: ids[1]!, sessionId: 's', initiatorSignPub: publicOf(ids[0]!).signPub }),
  ]);
}

/** Every clear-text leaf of a backup file by path, and the ciphertext's length (it travels in the clear too). */
function clearFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (x: unknown, path: string) => {
    if (x !== null && typeof x === 'object') for (const [k, v] of Object.entries(x)) walk(v, path ? `${path}.${k}` : k);
    else out.set(path, JSON.stringify(x));
  };
  const parsed = JSON.parse(text) as { ciphertext: string };
  walk(parsed, '');
  out.set('ciphertext.length', String(parsed.ciphertext.length));
  return out;
}

describe('backups carry nothing linkable in the clear', () => {
  it('two backups of one vault share no clear-text value but the format’s constants; both restore', async () => {
    const [ext, phone] = await twoOfTwo('Savings');
    const [other] = await twoOfTwo('Travel');
    const files = [await sealBackup(ext!, 'backup-pw-1', ITER), await sealBackup(phone!, 'backup-pw-2', ITER)];
    const again = await sealBackup(ext!, 'backup-pw-1', ITER); // the same share twice
    const otherVault = await sealBackup(other!, 'backup-pw-3', ITER);
    const [a, b, c, o] = [...files, again, otherVault].map(clearFields);
    for (const [x, y] of [
      [a!, b!],
      [a!, c!],
    ] as const) {
      expect([...x.keys()].sort()).toEqual([...y.keys()].sort());
      for (const [path, value] of x) {
        // Equal in two backups of this vault only when every backup has it (a format constant).
        if (y.get(path) === value) expect({ path, value: o!.get(path) }).toEqual({ path, value });
      }
    }
    // The per-file values differ; nothing of the vault is in the clear.
    for (const path of ['kdf.salt', 'iv', 'ciphertext']) expect(a!.get(path)).not.toBe(c!.get(path));
    const clear = files.join('\n');
    for (const secretish of [vaultId(ext!), ext!.address.slice(2).toLowerCase(), bytesToHex(ext!.ecdsa.publicKey), 'Savings'])
      expect(clear.toLowerCase()).not.toContain(secretish.toLowerCase());
    expect(Object.keys(JSON.parse(files[0]!)).sort()).toEqual(['alg', 'ciphertext', 'format', 'iv', 'kdf', 'version']);

    expect(encodeDeviceVault(await openBackup(files[0]!, 'backup-pw-1'))).toBe(encodeDeviceVault(ext!));
    expect(encodeDeviceVault(await openBackup(files[1]!, 'backup-pw-2'))).toBe(encodeDeviceVault(phone!));
    expect(errorCode(await openBackup(files[1]!, 'backup-pw-1').catch((e: unknown) => e))).toBe('backup.wrongPassword');
  }, 60_000);

  it('restores a version 1 backup made by the old writer, and still checks its label', async () => {
    const [ext] = await twoOfTwo('Old');
    const old = await sealBackupV1(ext!, 'backup-pw-1', ITER);
    expect(JSON.parse(old)).toMatchObject({ version: 1, vaultId: vaultId(ext!) });
    expect(encodeDeviceVault(await openBackup(old, 'backup-pw-1'))).toBe(encodeDeviceVault(ext!));
    // The v1 id is bound as associated data: a relabelled file does not open.
    const relabelled = JSON.stringify({ ...JSON.parse(old), vaultId: '0123456789abcdef' });
    expect(errorCode(await openBackup(relabelled, 'backup-pw-1').catch((e: unknown) => e))).toBe('backup.wrongPassword');
    expect(errorCode(await openBackup(JSON.stringify({ ...JSON.parse(old), version: 3 }), 'x').catch((e: unknown) => e))).toBe(
      'backup.version',
    );
  }, 60_000);
});
