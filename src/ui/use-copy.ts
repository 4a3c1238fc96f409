/** Copy-to-clipboard for a button that says "Copied" for a moment afterwards. */
import { useState } from 'preact/hooks';

/**
 * Returns whether something was just copied, and `copy(text)`. `copied`
 * stays true for `ms` after a copy; a refused clipboard changes nothing (the
 * text can still be selected by hand).
 */
export function useCopy(ms = 1500): [copied: boolean, copy: (text: string) => Promise<void>] {
  const [copied, setCopied] = useState(false);
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), ms);
    } catch {
      // clipboard refused: nothing to do
    }
  };
  return [copied, copy];
}
