/**
 * The MetaMask-compatibility switch as the page's main world sees it. The
 * user's choice lives in the extension; when it is off, the background
 * registers `public/metamask-compat-off.js` as a main-world content script at
 * document_start. Whichever of that script and the in-page provider runs
 * first, the provider ends up with `isMetaMask: false` before any page
 * script runs: the switch script marks the window with {@link COMPAT_OFF_KEY}
 * and, if the provider is already there, turns it off itself.
 */

/** Window property (a registered symbol) the switch script sets when compatibility is off. */
export const COMPAT_OFF_KEY = Symbol.for('tandem.metaMaskCompatOff');

/** File name of the switch script in the built extension (copied from public/). */
export const COMPAT_OFF_SCRIPT = 'metamask-compat-off.js';

/** True unless the switch script ran before the provider was created. */
export function metaMaskCompatOn(win: object): boolean {
  return (win as Record<symbol, unknown>)[COMPAT_OFF_KEY] !== true;
}
