/** Renders the popup app into #app (loaded by main.tsx once the state port is open). */
import { render } from 'preact';
import { App } from './App';

performance.mark('tandem:script');
render(<App />, document.getElementById('app')!);
