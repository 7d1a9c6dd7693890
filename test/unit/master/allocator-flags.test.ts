/**
 * Goal: the master's allocator flags read as Mesos writes them, and a bad value is refused naming
 * the flag. Method: the parsers, directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExcludedResourceNames, parseMinAllocatable } from '../../../src/master/shell/allocator-flags.js';

test('--min_allocatable_resources: sets separated by |, quantities by ;', () => {
  assert.deepEqual(parseMinAllocatable('cpus:0.01|mem:32'), [{ cpus: 0.01 }, { mem: 32 }]);
  assert.deepEqual(parseMinAllocatable('disk:1|cpus:1;mem:32;ports:1'), [{ disk: 1 }, { cpus: 1, mem: 32, ports: 1 }]);
  assert.throws(() => parseMinAllocatable('cpus:1||mem:2'), /--min_allocatable_resources: 'cpus:1\|\|mem:2' has an empty set/);
  assert.throws(() => parseMinAllocatable('cpus'), /--min_allocatable_resources: 'cpus' is not a quantity/);
  assert.throws(() => parseMinAllocatable('cpus:lots'), /'cpus:lots' is not a quantity/);
  assert.throws(() => parseMinAllocatable('cpus:-1'), /'cpus:-1' is negative/);
  assert.throws(() => parseMinAllocatable('cpus:1;cpus:2'), /'cpus' appears twice/);
});

test('--fair_sharing_excluded_resource_names: a comma-separated list', () => {
  assert.deepEqual(parseExcludedResourceNames('gpus, fpgas'), ['gpus', 'fpgas']);
  assert.throws(() => parseExcludedResourceNames('gpus;fpgas'), /--fair_sharing_excluded_resource_names: 'gpus;fpgas' is not a resource name/);
});
