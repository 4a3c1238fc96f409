/** Amounts as the popup shows them. */

/** Up to 6 decimals, without trailing zeros. */
export function trimAmount(v: string): string {
  const [i, f = ''] = v.split('.');
  const frac = f.slice(0, 6).replace(/0+$/, '');
  return frac ? `${i}.${frac}` : i!;
}
