import { render } from 'preact';
render(<div>Tandem</div>, document.getElementById('app')!);
