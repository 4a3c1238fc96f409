/**
 * The address a user types to watch: 0x and 40 hex characters. All lower or
 * all upper case is accepted as it is (no checksum to check); mixed case must
 * be a valid EIP-55 checksum, as ethers' getAddress checks: a wrong one
 * usually means a mistyped or truncated copy, so it is refused.
 */
import { getAddress } from 'ethers';
import { WalletError } from '../../shared/wallet-errors';

/** The EIP-55 form of `text`; throws `watch.badAddress` or `watch.badChecksum`. */
export function parseWatchAddress(text: string): string {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) throw new WalletError('watch.badAddress');
  try {
    return getAddress(t);
  } catch {
    throw new WalletError('watch.badChecksum');
  }
}
