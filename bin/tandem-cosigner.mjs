#!/usr/bin/env node
// tandem-cosigner: runs the TypeScript CLI (src/cosigner/cli.ts) from the repository
// with tsx's loader, in this process (so signals and exit codes are the CLI's own).
import { register } from 'tsx/esm/api';

register();
await import('../src/cosigner/cli.ts');
