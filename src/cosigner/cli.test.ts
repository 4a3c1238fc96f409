import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './cli.js';

let home = '';
let errors: string[] = [];
let lines: string[] = [];

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  vi.stubEnv('TANDEM_HOME', home);
  vi.stubEnv('TANDEM_PASSWORD', 'pw');
  errors = [];
  lines = [];
  vi.spyOn(console, 'error').mockImplementation((l: string) => void errors.push(l));
  vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(home, { recursive: true, force: true });
});

describe('tandem-cosigner command line', () => {
  it('answers bad usage with exit code 2 and one line saying what to do', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(errors[0]).toMatch(/^tandem-cosigner: unknown command frobnicate/);
    expect(await main(['create', '--t', '2', '--n', '3'])).toBe(2);
    expect(errors.at(-1)).toBe('tandem-cosigner: --relay URL is required, e.g. --relay https://relay.example');
    expect(await main(['create', '--relay', 'http://127.0.0.1:1', '--t', '5', '--n', '3'])).toBe(2);
    expect(errors.at(-1)).toMatch(/--t must be an integer from 2 to 3/);
    expect(await main(['join', 'not-a-pairing!'])).toBe(2);
    expect(errors.at(-1)).toMatch(/pairing payload: .*scan the QR code again or start a new pairing/);
    // Bad usage is said before any password is asked or vault opened.
    expect(await main(['reshare', '--joiners', '2'])).toBe(2);
    expect(errors.at(-1)).toBe('tandem-cosigner: --new-t is required: the threshold after the re-share');
    expect(await main(['list', '--bogus'])).toBe(2);
    expect(errors.at(-1)).toMatch(/Unknown option '--bogus'.*see tandem-cosigner --help/);
  });

  it('says what to do when there is no vault', async () => {
    expect(await main(['list'])).toBe(0);
    expect(lines).toEqual([`no vaults in ${home}`]);
    expect(await main(['serve'])).toBe(1);
    expect(errors.at(-1)).toMatch(/no vault in .*: run `tandem-cosigner join <pairing>` or `create` first/);
    expect(await main(['sign', '--request', join(home, 'missing.json')])).toBe(2);
    expect(errors.at(-1)).toMatch(/cannot read the request file/);
  });

  it('serve: --rpc must be a URL, and a policy with refuseFailing needs one (said before any vault is opened)', async () => {
    expect(await main(['serve', '--rpc', 'ftp://node'])).toBe(2);
    expect(errors.at(-1)).toBe('tandem-cosigner: --rpc must be an http: or https: URL');
    const policy = join(home, 'policy.json');
    writeFileSync(policy, JSON.stringify({ v: 1, chains: [31337], maxValueWei: '0', dailyLimitWei: '0', refuseFailing: true }));
    expect(await main(['serve', '--policy', policy])).toBe(2);
    expect(errors.at(-1)).toMatch(/refuseFailing: give this co-signer its own node with --rpc URL/);
  });

  it('never takes a password as an argument', async () => {
    expect(await main(['list', '--password', 'secret'])).toBe(2);
    expect(errors.join('\n')).not.toContain('secret');
  });
});
