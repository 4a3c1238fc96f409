/** An address shown short (0x1234…abcd) with a copy button; the full one in the title. */
import { useCopy } from './use-copy';

export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

export function Address({ address, full = false }: { address: string; full?: boolean }) {
  const [copied, copy] = useCopy(1200);
  return (
    <span class="address" title={address}>
      <code data-testid="address">{full ? address : shortAddress(address)}</code>
      <button class="link-button" onClick={() => void copy(address)} aria-label="Copy address">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
