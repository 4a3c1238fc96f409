/**
 * While a signature waits for the co-signers: a QR code and a link that open
 * this request on the phone's co-signer page (for a phone whose page is
 * closed). The link carries which vault and which request, never a key; the
 * phone reads the request itself from the vault's paired channel.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SigningProgress } from '../../shared/popup-api';
import { QrCode } from './QrCode';
import { useCopy } from '../../ui/use-copy';

export function CosignLink({ link }: { link: NonNullable<SigningProgress['cosignLink']> }) {
  const [now, setNow] = useState(Date.now());
  const [copied, copy] = useCopy();
  const box = useRef<HTMLDivElement>(null);
  // It appears once the user approved (the Approve button is at the bottom): bring it into view.
  useEffect(() => box.current?.scrollIntoView?.({ block: 'nearest' }), []);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, Math.ceil((link.expires - now) / 1000));
  return (
    <div class="card cosign-link" data-testid="cosign-link" ref={box}>
      <QrCode text={link.url} size={128} alt="QR code that opens this request on your phone" testId="cosign-qr" />
      <div class="cosign-link-side">
        <strong>Co-signing on a phone?</strong>
        <span class="muted small">If its page is closed, scan this with the phone's camera to open the request there.</span>
        <a class="button small" href={link.url} target="_blank" rel="noopener noreferrer" data-testid="cosign-open">
          Open on your phone
        </a>
        <button class="button small" onClick={() => void copy(link.url)}>
          {copied ? 'Copied' : 'Copy link'}
        </button>
      </div>
      <span class="muted small cosign-expires" data-testid="cosign-expires">
        {left > 0
          ? `The request stays open for ${left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`}.`
          : 'The request expired.'}
      </span>
    </div>
  );
}
