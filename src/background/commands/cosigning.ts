/** Popup commands of this browser as a co-signer (background/browser-cosigner.ts; docs/browser-cosigner.md). */
import type { Handlers } from './context';

export const cosigningCommands: Handlers<'startCosigning' | 'stopCosigning' | 'decideCosign'> = {
  async startCosigning(ctx) {
    await ctx.cosigner.start();
  },
  async stopCosigning(ctx) {
    ctx.cosigner.stop();
  },
  async decideCosign(ctx, { key, approve }) {
    ctx.cosigner.decide(key, approve);
  },
};
