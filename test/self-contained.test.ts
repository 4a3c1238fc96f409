/**
 * The repository explains itself: no source comment or document points to a
 * file outside it (a notes file on someone's machine, a sibling folder), and
 * every relative link in the docs resolves to a file in the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|tsx|mjs|cjs|js|md|json|yaml|yml|css|html)$/.test(f) && !f.endsWith('package-lock.json'))
  .filter((f) => existsSync(join(ROOT, f)));

/** Absolute paths of this workplace, or the sibling reference folder. */
const OUTSIDE = [/\/work\/(shared|main)\b/, /\.\.\/shared\/[A-Z0-9-]+\.md/, /\/home\/[a-z]+\//, /\/root\//];

describe('the repository is self-contained', () => {
  it('no tracked file points to a path outside the repository', () => {
    const hits = tracked.flatMap((f) => {
      if (f === 'test/self-contained.test.ts') return [];
      const text = readFileSync(join(ROOT, f), 'utf8');
      return OUTSIDE.filter((re) => re.test(text)).map((re) => `${f}: ${re}`);
    });
    expect(hits).toEqual([]);
  });

  it('every relative link in the Markdown documents resolves inside the repository', () => {
    const broken = tracked
      .filter((f) => f.endsWith('.md'))
      .flatMap((f) => {
        const text = readFileSync(join(ROOT, f), 'utf8');
        return [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
          .map((m) => m[1] as string)
          .filter((link) => !/^[a-z]+:/i.test(link))
          .filter((link) => {
            const target = resolve(dirname(join(ROOT, f)), link);
            return relative(ROOT, target).startsWith('..') || !existsSync(target);
          })
          .map((link) => `${f} -> ${link}`);
      });
    expect(broken).toEqual([]);
  });

  it('the check itself sees an outside path', () => {
    expect(OUTSIDE.some((re) => re.test('see /work/shared/NOTES.md'))).toBe(true);
  });
});
