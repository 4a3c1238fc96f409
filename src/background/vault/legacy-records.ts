/**
 * Records of earlier builds, rewritten in the current shape when the wallet
 * reads them. A development vault (an address whose private key was
 * discarded when it was made, with an encrypted placeholder instead of a
 * share) becomes a watch-only address marked `from: 'development-vault'`:
 * it keeps its id, name, address and creation time, still reads balances
 * and stays connected where it was, and can never sign (nothing could ever
 * sign for it). The placeholder is dropped: it held no secret.
 */
import type { StoredVaultRecord, VaultRecord, WatchRecord } from './records';

/** The record in the current shape, and whether it changed (then it should be stored again). */
export function migrateLegacyRecord(r: StoredVaultRecord): { record: VaultRecord; migrated: boolean } {
  if (r.kind !== 'development') return { record: r, migrated: false };
  const watch: WatchRecord = {
    id: r.id,
    schema: r.schema,
    name: r.name,
    kind: 'watch',
    address: r.address,
    createdAt: r.createdAt,
    from: 'development-vault',
  };
  return { record: watch, migrated: true };
}
