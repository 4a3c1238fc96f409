/**
 * The popup: picks the screen from the wallet state the background pushes.
 * Key generation in progress -> pairing; no vault -> create; locked ->
 * unlock; pending approvals -> approvals;
 * otherwise the tab the user chose (home, connected sites, settings).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { RunCommand, WalletState } from '../shared/popup-api';
import { announceClosing, send, subscribeState, takeWaitingState } from './api';
import { CreateVault } from './screens/CreateVault';
import { Unlock } from './screens/Unlock';
import { Home } from './screens/Home';
import { Approvals } from './screens/Approvals';
import { ConnectedSites } from './screens/ConnectedSites';
import { Settings } from './screens/Settings';
import { Pairing } from './screens/Pairing';
import { Header } from './components/Header';
import { TabBar, type Tab } from './components/TabBar';

/** Runs a command; resolves to an error message for the user, or null on success. */
export type Run = RunCommand;

export function App() {
  // The first state is the port's first push (main.tsx opened it): it may have come while this code loaded.
  const [state, setState] = useState<WalletState | null>(takeWaitingState);
  const [tab, setTab] = useState<Tab>('home');
  const openedForApproval = location.hash === '#approvals';

  // A layout effect: subscribed as soon as the first render is done, not a frame later.
  useLayoutEffect(() => subscribeState(setState), []);

  // An approval window closes itself once everything it was opened for is decided.
  const sawApproval = useRef(false);
  useEffect(() => {
    if (!openedForApproval || !state) return;
    if (state.approvals.length > 0) sawApproval.current = true;
    else if (sawApproval.current && state.vault && !state.locked) {
      announceClosing();
      window.close();
    }
  }, [state]);

  // A different vault (created, restored, deleted) opens on Home.
  const vaultId = state?.vault?.id ?? null;
  useEffect(() => setTab('home'), [vaultId]);

  const run: Run = async (cmd) => {
    const reply = await send(cmd);
    if (reply.state) setState(reply.state);
    return reply.ok ? null : reply.error;
  };

  if (!state)
    return (
      <div class="screen loading" aria-busy="true">
        Loading…
      </div>
    );
  if (state.ceremony && !(state.locked && state.vault)) return <Pairing ceremony={state.ceremony} run={run} />;
  if (!state.vault) return <CreateVault run={run} />;
  if (state.locked) return <Unlock vaultName={state.vault.name} pending={state.approvals.length} run={run} />;

  return (
    <div class="shell">
      <Header state={state} run={run} />
      <main class="content">
        {state.approvals.length > 0 ? (
          <Approvals key={state.approvals[0]!.id} state={state} run={run} />
        ) : tab === 'home' ? (
          <Home state={state} run={run} />
        ) : tab === 'sites' ? (
          <ConnectedSites sites={state.sites} run={run} />
        ) : (
          <Settings state={state} run={run} />
        )}
      </main>
      {state.approvals.length === 0 && <TabBar tab={tab} onTab={setTab} sites={state.sites.length} />}
    </div>
  );
}
