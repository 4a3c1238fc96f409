import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import preact from '@preact/preset-vite';
import manifest from './manifest.json' with { type: 'json' };

/**
 * Builds the MV3 extension into dist/: the background service worker, the
 * MAIN-world in-page provider (an IIFE, so it runs before page scripts), the
 * isolated-world bridge and the Preact popup.
 */
export default defineConfig({
  plugins: [preact(), crx({ manifest: manifest as Parameters<typeof crx>[0]['manifest'] })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome116',
  },
  server: { host: '127.0.0.1', strictPort: true, port: 5173 },
});
