/** EIP-6963 multi-wallet discovery: announce the provider on load and on request. */

/** EIP-6963 EIP6963ProviderInfo. */
export interface ProviderInfo {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128">' +
  '<rect width="128" height="128" rx="28" fill="#1f2950"/>' +
  '<circle cx="49" cy="64" r="27" fill="none" stroke="#5eead4" stroke-width="10"/>' +
  '<circle cx="79" cy="64" r="27" fill="none" stroke="#a78bfa" stroke-width="10"/></svg>';

/** The wallet's icon as a data URI (EIP-6963 requires a data URI). */
export const TANDEM_ICON = `data:image/svg+xml;base64,${btoa(ICON_SVG)}`;

/** Reverse-DNS id of the wallet. */
export const TANDEM_RDNS = 'app.tandem.wallet';

/** Announces now and whenever a dApp asks (`eip6963:requestProvider`). */
export function announceProvider(provider: unknown): ProviderInfo {
  const info: ProviderInfo = Object.freeze({ uuid: crypto.randomUUID(), name: 'Tandem', icon: TANDEM_ICON, rdns: TANDEM_RDNS });
  const detail = Object.freeze({ info, provider });
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
  return info;
}
