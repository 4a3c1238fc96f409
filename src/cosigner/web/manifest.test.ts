import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PUBLIC = join(__dirname, 'public');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(join(PUBLIC, file));
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('the phone page manifest', () => {
  const manifest = JSON.parse(readFileSync(join(PUBLIC, 'manifest.webmanifest'), 'utf8')) as {
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
    display: string;
    start_url: string;
  };

  it('is installable: standalone, with 192 and 512 px PNG icons (and a maskable one for Android)', () => {
    expect(manifest.display).toBe('standalone');
    const pngs = manifest.icons.filter((i) => i.type === 'image/png');
    for (const want of ['192x192', '512x512']) expect(pngs.some((i) => i.sizes === want && (i.purpose ?? 'any') === 'any')).toBe(true);
    expect(pngs.some((i) => i.purpose === 'maskable')).toBe(true);
  });

  it('lists only icons that exist, at the size it declares', () => {
    for (const icon of manifest.icons) {
      if (icon.type !== 'image/png') continue;
      const [w, h] = pngSize(icon.src);
      expect(`${w}x${h}`, icon.src).toBe(icon.sizes);
    }
  });
});
