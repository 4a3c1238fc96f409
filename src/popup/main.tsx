/** Popup entry: renders the app into #app. */
import { render } from 'preact';
import { App } from './App';
import '../ui/styles.css';

// Where the popup's open time goes (bench/e2e): this module running, then the first state (App.tsx).
performance.mark('tandem:script');
render(<App />, document.getElementById('app')!);
