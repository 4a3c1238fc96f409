import { randomBytes } from 'node:crypto';
import { formatEther as ethersEther, formatUnits as ethersUnits } from 'ethers';
import { describe, expect, it } from 'vitest';
import { formatChange, formatEther, formatUnits } from './units';

describe('formatUnits / formatEther without ethers', () => {
  it('writes what ethers writes', () => {
    const values = [0n, 1n, 5n, 9n, 10n, 100n, 1500000n, 10n ** 18n, 10n ** 18n + 1n, 123456789012345678901234n, 2n ** 256n - 1n];
    for (let i = 0; i < 200; i++) values.push(BigInt(`0x${randomBytes(1 + (i % 32)).toString('hex')}`));
    for (const v of values) {
      for (const d of [0, 1, 2, 6, 8, 9, 18, 24, 36]) {
        expect(formatUnits(v, d), `${v} at ${d} decimals`).toBe(ethersUnits(v, d));
        expect(formatUnits(-v, d), `-${v} at ${d} decimals`).toBe(ethersUnits(-v, d));
      }
      expect(formatEther(v)).toBe(ethersEther(v));
    }
  });

  it('formats a balance change in its asset', () => {
    expect(formatChange({ asset: 'native', amount: '-1500000000000000000' }, 'ETH')).toBe('-1.5 ETH');
    expect(formatChange({ asset: '0xabc', amount: '20000000', symbol: 'USDC', decimals: 6 }, 'ETH')).toBe('+20.0 USDC');
    expect(formatChange({ asset: '0xabc', amount: '7' }, 'ETH')).toBe('+7 base units of token 0xabc');
  });
});
