/**
 * Amounts in base units (wei, a token's smallest unit) as text, exactly as
 * ethers' formatUnits / formatEther write them ("1.5", "1.0", "5" for 0
 * decimals), without ethers: the popup's approval screen uses these, and
 * its bundle stays free of ethers (tested against ethers in units.test.ts).
 */
import type { BalanceChange } from './tx-preview';

/** `value` base units in a unit of `decimals` decimals: at least one fraction digit, no trailing zeros. */
export function formatUnits(value: bigint, decimals: number): string {
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString();
  if (decimals === 0) return `${sign}${digits}`;
  const padded = digits.padStart(decimals + 1, '0');
  const fraction = padded.slice(-decimals).replace(/0+$/, '') || '0';
  return `${sign}${padded.slice(0, -decimals)}.${fraction}`;
}

/** Wei in ether (18 decimals). */
export function formatEther(wei: bigint): string {
  return formatUnits(wei, 18);
}

/** "-1.5 ETH", "+20.0 USDC", or base units and the token's address when it is not in the user's list. */
export function formatChange(
  c: BalanceChange,
  symbol: string,
  tokens: ReadonlyArray<{ address: string; symbol: string; decimals: number }> = [],
): string {
  const amount = BigInt(c.amount);
  const sign = amount < 0n ? '-' : '+';
  const abs = amount < 0n ? -amount : amount;
  if (c.asset === 'native') return `${sign}${formatEther(abs)} ${symbol}`;
  const known =
    c.symbol !== undefined && c.decimals !== undefined
      ? { symbol: c.symbol, decimals: c.decimals }
      : tokens.find((t) => t.address.toLowerCase() === c.asset.toLowerCase());
  return known ? `${sign}${formatUnits(abs, known.decimals)} ${known.symbol}` : `${sign}${abs} base units of token ${c.asset}`;
}
