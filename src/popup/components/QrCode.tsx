/**
 * A QR code of `text` (a link the phone's camera opens), drawn by the qrcode
 * package; a blank square until it is ready. The package is loaded on the
 * first code drawn, not with the popup (most screens show none).
 */
import { useEffect, useState } from 'preact/hooks';

export function QrCode({ text, size = 176, alt, testId }: { text: string; size?: number; alt: string; testId?: string }) {
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    if (!text) return setQr(null);
    let live = true;
    void import('qrcode')
      .then(({ default: QRCode }) =>
        QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 1, width: size, color: { dark: '#0f1426', light: '#ffffff' } }),
      )
      .then(
        (url) => live && setQr(url),
        () => live && setQr(null),
      );
    return () => {
      live = false;
    };
  }, [text, size]);
  return (
    <div class="qr-box">
      {qr ? (
        <img src={qr} width={size} height={size} alt={alt} {...(testId ? { 'data-testid': testId } : {})} />
      ) : (
        <div class="qr-placeholder" style={{ width: `${size}px`, height: `${size}px` }} />
      )}
    </div>
  );
}
