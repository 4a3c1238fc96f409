/**
 * Popup entry: opens the state port at once, then loads the app. The worker
 * (started by the port if Chrome had stopped it) computes the first state
 * while the screens' code loads and runs.
 */
import { connectState } from './api';
import '../ui/styles.css';

// Where the popup's open time goes (bench/e2e): this entry running, the app's script (start.tsx), the first state (api.ts).
performance.mark('tandem:boot');
connectState();
void import('./start');
