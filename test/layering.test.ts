/**
 * The layering rule of docs/architecture.md, checked on every source file:
 * a layer imports only the layers below it. `errors` (the one error model)
 * is the bottom layer: every layer may import it, it imports nothing. Tests (`*.test.ts`, test utils)
 * may import anything, since they assemble layers to run them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', 'src');

/** Layer of a file: its path under src/, matched longest-first. */
const LAYERS = [
  'cosigner/web',
  'errors',
  'tss',
  'session',
  'relay',
  'crypto',
  'shared',
  'ui',
  'content',
  'popup',
  'background',
  'cosigner',
] as const;
type Layer = (typeof LAYERS)[number];

/** What each layer may import besides itself. `relay/wire` is the relay's protocol, which its client (session) speaks. */
const MAY_IMPORT: Record<Layer, readonly string[]> = {
  errors: [],
  tss: ['errors'],
  session: ['errors', 'tss', 'relay/wire'],
  relay: ['errors'],
  crypto: ['errors', 'tss', 'session', 'shared'],
  shared: ['errors', 'tss', 'session'],
  ui: ['errors', 'shared'],
  content: ['errors', 'shared'],
  popup: ['errors', 'ui', 'shared'],
  background: ['errors', 'tss', 'session', 'crypto', 'shared'],
  cosigner: ['errors', 'tss', 'session', 'crypto', 'shared', 'relay/wire'],
  'cosigner/web': ['errors', 'cosigner', 'tss', 'session', 'crypto', 'shared', 'ui'],
};

const isTest = (f: string) => /\.test\.tsx?$|\.test-util\.tsx?$/.test(f);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !isTest(name) ? [p] : [];
  });
}

function layerOf(path: string): Layer | undefined {
  const r = relative(SRC, path).replaceAll('\\', '/');
  return LAYERS.find((l) => r === l || r.startsWith(`${l}/`));
}

const allows = (from: Layer, target: string): boolean => {
  const r = relative(SRC, target)
    .replaceAll('\\', '/')
    .replace(/\.(js|ts|tsx)$/, '');
  const to = layerOf(target);
  if (!to || to === from) return true;
  return MAY_IMPORT[from].some((allowed) => allowed === to || r === allowed || r.startsWith(`${allowed}/`));
};

/** Every relative import and re-export of a file (static and dynamic), resolved to a path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specs.map((s) => normalize(join(dirname(file), s)));
}

describe('layering: a layer never imports a layer above it', () => {
  const violations = sourceFiles(SRC).flatMap((file) => {
    const from = layerOf(file);
    if (!from) return [`${relative(SRC, file)}: file outside every known layer (add it to LAYERS)`];
    return importsOf(file)
      .filter((target) => !allows(from, target))
      .map((target) => `${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${layerOf(target)})`);
  });

  it('every source file imports only its own layer and the layers it may use', () => {
    expect(violations).toEqual([]);
  });

  it('the check itself catches an upward import', () => {
    expect(allows('tss', join(SRC, 'session', 'mailbox.ts'))).toBe(false);
    expect(allows('ui', join(SRC, 'background', 'services.ts'))).toBe(false);
    expect(allows('cosigner/web', join(SRC, 'popup', 'App.tsx'))).toBe(false);
    expect(allows('session', join(SRC, 'relay', 'wire.ts'))).toBe(true);
    expect(allows('session', join(SRC, 'relay', 'server.ts'))).toBe(false);
    expect(allows('tss', join(SRC, 'errors', 'index.ts'))).toBe(true);
    expect(allows('errors', join(SRC, 'tss', 'errors.ts'))).toBe(false);
  });
});
