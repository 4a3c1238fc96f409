/** Popup entry: renders the app into #app. */
import { render } from 'preact';
import { App } from './App';
import { sendCommand } from './api';
import '../ui/styles.css';

// Where the popup's open time goes (bench/e2e): this module running, then the first state.
performance.mark('tandem:script');
// The state is asked for at once and the first paint is the real screen (no "Loading…" frame, no wait for an
// effect to run after that paint); without an answer the app starts empty and the state push fills it.
void sendCommand('getState').then((r) => {
  performance.mark('tandem:state');
  render(<App initial={r.ok ? r.state : null} />, document.getElementById('app')!);
});
