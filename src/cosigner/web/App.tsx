/**
 * The phone co-signer's screens, chosen from the controller's state: a
 * signing request first (it is what the user came for), then a pairing to
 * join or a ceremony in progress, then unlock / welcome / home.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PhoneController } from './controller';
import { Header } from './components/Header';
import { Welcome } from './screens/Welcome';
import { Unlock } from './screens/Unlock';
import { Join } from './screens/Join';
import { Ceremony } from './screens/Ceremony';
import { Home } from './screens/Home';
import { Request } from './screens/Request';
import { Backup } from './screens/Backup';
import { Settings } from './screens/Settings';
import { SignLink } from './screens/SignLink';

export type Tab = 'home' | 'backup' | 'settings';

export function App({ controller }: { controller: PhoneController }) {
  const [, setTick] = useState(0);
  const [tab, setTab] = useState<Tab>('home');
  useEffect(() => controller.subscribe(() => setTick((t) => t + 1)), [controller]);
  const s = controller.state;
  const pending = controller.signing.pending[0];
  const waiting = controller.signing.pending.filter((p) => p.phase === 'waiting').length;
  useEffect(() => {
    // A request is what the user came for: say so in the tab title, and buzz where phones can.
    document.title = waiting ? `(${waiting}) Signature request · Tandem` : 'Tandem co-signer';
    if (waiting) navigator.vibrate?.(200);
  }, [waiting]);

  let body: JSX.Element;
  if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) body = <InsecurePage />;
  else if (!s.ready) body = <section class="screen loading">Loading…</section>;
  else if (pending && s.unlocked)
    body = <Request key={pending.key} request={pending} more={controller.signing.pending.length - 1} controller={controller} />;
  else if (s.signLink && (s.unlocked || !s.hasPin || s.signLink.status === 'invalid'))
    body = <SignLink state={s.signLink} hasPin={s.hasPin} controller={controller} />;
  else if (s.ceremony) body = <Ceremony ceremony={s.ceremony} controller={controller} />;
  else if (s.pairing || s.pairingError) body = <Join controller={controller} />;
  else if (!s.unlocked && s.hasPin) body = <Unlock controller={controller} />;
  else if (!s.unlocked) body = <Welcome controller={controller} />;
  else if (tab === 'backup') body = <Backup controller={controller} />;
  else if (tab === 'settings') body = <Settings controller={controller} />;
  else body = <Home controller={controller} />;

  const showTabs = s.ready && s.unlocked && !pending && !s.signLink && !s.ceremony && !s.pairing && !s.pairingError;
  return (
    <div class="phone-shell">
      <Header unlocked={s.unlocked} onLock={() => controller.lock()} />
      <main class="phone-content">{body}</main>
      {showTabs && (
        <nav class="tabbar phone-tabs" aria-label="Sections">
          {(['home', 'backup', 'settings'] as const).map((t) => (
            <button
              key={t}
              class={`tab ${tab === t ? 'tab-active' : ''}`}
              aria-current={tab === t ? 'page' : undefined}
              onClick={() => setTab(t)}
            >
              {t === 'home' ? 'Vaults' : t === 'backup' ? 'Backup' : 'Settings'}
            </button>
          ))}
        </nav>
      )}
    </div>
  );
}

/** WebCrypto, IndexedDB encryption and the service worker need a secure context (https, or localhost). */
function InsecurePage() {
  return (
    <section class="screen" data-testid="insecure">
      <h2>Open this page over https</h2>
      <p class="error" role="alert">
        This browser only allows the encryption the co-signer needs on https:// pages (or on this device's own localhost). Nothing was
        joined or stored.
      </p>
      <p class="muted small">
        Serve the relay behind https (a reverse proxy with a certificate) so the QR code opens an https:// link, then scan it again.
      </p>
    </section>
  );
}
