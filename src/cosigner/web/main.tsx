/// <reference types="vite/client" />
/**
 * The phone co-signer page: served by the relay at /cosigner/, opened by the
 * phone's camera from the extension's pairing QR code (payload in the URL
 * fragment, never sent to a server). Installable as a PWA; the service
 * worker caches the built assets so the page starts offline.
 */
import { render } from 'preact';
import { App } from './App';
import { PhoneController } from './controller';
import { idbBackend } from './idb-backend';
import { hasSignLink } from '../../session/sign-link';
import '../../ui/styles.css';
import './phone.css';

const controller = new PhoneController(idbBackend());
const hash = location.hash;
// The pairing stays in memory only: a reload or a shared screenshot of the address bar does not carry it.
if (hash) history.replaceState(null, '', location.pathname + location.search);
void controller.boot(hash);
// A second pairing or signing link opened while the page is already open (an installed app) only changes the fragment.
window.addEventListener('hashchange', () => {
  if (hasSignLink(location.hash)) controller.readSignLink(location.hash);
  else if (location.hash.includes('p=')) controller.readPairing(location.hash);
  else return;
  history.replaceState(null, '', location.pathname + location.search);
});
render(<App controller={controller} />, document.getElementById('app')!);
// Back online (or the phone woke up with a network): listen again where the relay was unreachable.
window.addEventListener('online', () => void controller.retryOffline());

if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js', { scope: './' }).catch(() => undefined);
}
