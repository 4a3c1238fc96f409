/** An address shown short (0x1234…abcd) with a copy button; the full one in the title. */
import { useState } from 'preact/hooks';

export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

export function Address({ address, full = false }: { address: string; full?: boolean }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(address);
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    } catch {
      // clipboard refused: nothing to do
    }
  };
  return (
    <span class="address" title={address}>
      <code data-testid="address">{full ? address : shortAddress(address)}</code>
      <button class="link-button" onClick={() => void copy()} aria-label="Copy address">
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
