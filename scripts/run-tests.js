#!/usr/bin/env node
// Runs the compiled test files of the named layers (default: all) with Node's test runner.
// Layers run in order, cheapest first, so a broken unit fails fast before processes are started.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const LAYERS = ['unit', 'sim', 'integration', 'e2e'];
const wanted = process.argv.slice(2);
const layers = wanted.length > 0 ? wanted : LAYERS;
for (const layer of layers) {
  if (!LAYERS.includes(layer)) {
    console.error(`run-tests: unknown layer '${layer}' (one of ${LAYERS.join(', ')})`);
    process.exit(2);
  }
}

function findTests(dir) {
  let found = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return found; }
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(findTests(path));
    else if (entry.endsWith('.test.js')) found.push(path);
  }
  return found;
}

const files = layers.flatMap((layer) => findTests(join('dist', 'test', layer)));
if (files.length === 0) {
  console.error('run-tests: no test files found; did the build run?');
  process.exit(1);
}
// Integration tests start real processes: two at a time on a 2-core machine.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MERIDIAN_TEST: '1' },
});
process.exit(result.status ?? 1);
