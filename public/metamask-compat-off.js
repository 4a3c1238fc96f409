// Tandem: MetaMask compatibility is turned off in Settings. Registered by the
// extension as a main-world content script at document_start only while the
// switch is off (see src/shared/metamask-compat.ts): the in-page provider then answers
// isMetaMask: false.
(() => {
  Object.defineProperty(window, Symbol.for('tandem.metaMaskCompatOff'), { value: true, configurable: false });
  const p = window.tandem;
  if (p && p.isTandem === true) p.isMetaMask = false;
})();
