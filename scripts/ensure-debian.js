#!/usr/bin/env node
// Installs the Debian packages a test needs when they are missing, so `npm test` passes on a fresh
// machine (CI runs as root, as sessions do). Tests call it before using the package:
//   node scripts/ensure-debian.js chromium
// It exits 0 when every package is installed (now or before), 1 with the reason otherwise.
import { spawnSync } from 'node:child_process';

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** apt can take a while on a cold cache; beyond this something is wrong. */
const APT_TIMEOUT_MS = 10 * 60 * 1000;
/** How long apt waits for another apt's lock (another test file installing at the same time). */
const LOCK_WAIT_SECONDS = 300;
const INSTALL_ATTEMPTS = 3;

function installed(name) {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return query.status === 0 && query.stdout.includes('install ok installed');
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: APT_TIMEOUT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

export function ensureDebianPackages(names) {
  for (const name of names) if (!PACKAGE_NAME.test(name)) throw new Error(`'${name}' is not a Debian package name`);
  const missing = names.filter((name) => !installed(name));
  if (missing.length === 0) return;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(', ')}: install them with 'sudo apt-get install ${missing.join(' ')}'`);
  }
  process.stderr.write(`ensure-debian: installing ${missing.join(', ')}\n`);
  // Test files run two at a time, and two may want the same package on a fresh machine: apt waits
  // for the other's lock, and what the other installed meanwhile counts.
  for (let attempt = 1; ; attempt++) {
    try {
      run('apt-get', ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`, 'update', '-qq']);
      run('apt-get', ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`, 'install', '-y', '-qq', '--no-install-recommends', ...missing.filter((name) => !installed(name))]);
      break;
    } catch (error) {
      if (missing.every(installed)) break;
      if (attempt >= INSTALL_ATTEMPTS) throw error;
      process.stderr.write(`ensure-debian: ${error.message}; trying again\n`);
      spawnSync('sleep', ['5']);
    }
  }
  const still = missing.filter((name) => !installed(name));
  if (still.length > 0) throw new Error(`apt-get did not install ${still.join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    ensureDebianPackages(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`ensure-debian: ${error.message}\n`);
    process.exit(1);
  }
}
