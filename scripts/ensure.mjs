#!/usr/bin/env node
// Makes a fresh machine ready for `npm start` / `npm test`: installs the npm
// dependencies when they are missing or stale, and Debian's Chromium and
// Redis and Caddy when they are missing (as root, with apt-get). Plain Node, no deps.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
const has = (bin) => {
  try {
    execSync(`command -v ${bin}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  console.log('[ensure] installing npm dependencies (npm ci)');
  try {
    run('npm ci --no-audit --no-fund');
  } catch {
    // litesvm lists native builds for other platforms that the registry here does not serve, so the lock
    // cannot name them and `npm ci` refuses; `npm install` takes the lock as it is and skips them.
    console.log('[ensure] npm ci refused the lock (optional platform packages the registry lacks); npm install instead');
    run('npm install --no-audit --no-fund');
  }
}

const missing = [];
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (!has('redis-server')) missing.push('redis-server');
if (!has('caddy')) missing.push('caddy');
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.error(`[ensure] missing system packages: ${missing.join(' ')}; install them with: sudo apt-get install ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`[ensure] installing ${missing.join(' ')} from Debian`);
  run('apt-get update -qq');
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`);
}
