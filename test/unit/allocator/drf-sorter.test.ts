/**
 * Goal: the DRF sorter orders clients as Mesos' weighted, hierarchical DRF sorter does: by
 * dominant share over the cluster total, divided by weight; subtrees compared as wholes; a role
 * beside its own subroles through its own allocation; inactive clients unlisted but counted;
 * excluded resources ignored; ties by name.
 * Method: worked examples with the shares narrated (cluster: 100 cpus, 1000 mem, 10 gpus), then
 * properties: handing out one unit at a time to whoever sorts first makes the allocations of
 * siblings proportional to their weights, however many clients lie below each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { DrfSorter } from '../../../src/allocator/drf-sorter.js';

const q = (entries: Record<string, number>) => new Map(Object.entries(entries));

function sorter(clients: string[], options?: ConstructorParameters<typeof DrfSorter>[0]): DrfSorter {
  const s = new DrfSorter(options);
  s.addTotal(q({ cpus: 100, mem: 1000, gpus: 10 }));
  for (const client of clients) {
    s.add(client);
    s.activate(client);
  }
  return s;
}

test('the client with the smaller dominant share comes first', () => {
  const s = sorter(['a', 'b']);
  s.allocated('a', q({ cpus: 20, mem: 10 })); // a: cpus 20% (dominant), mem 1%
  s.allocated('b', q({ cpus: 5, mem: 100 })); // b: mem 10% (dominant), cpus 5%
  assert.deepEqual(s.sort(), ['b', 'a']);
  assert.equal(s.share('a'), 0.2);
  assert.equal(s.share('b'), 0.1);
});

test('a share is divided by the weight of its path', () => {
  const s = sorter(['a', 'b']);
  s.allocated('a', q({ cpus: 30 })); // 30%, weight 2 → 15%
  s.allocated('b', q({ cpus: 20 })); // 20%, weight 1 → 20%
  s.updateWeight('a', 2);
  assert.deepEqual(s.sort(), ['a', 'b']);
  assert.equal(s.share('a'), 0.15);
  assert.throws(() => s.updateWeight('a', 0), /weight of 'a' must be a positive number/);
});

test('subtrees are compared as wholes: a crowded subtree waits, even for its empty members', () => {
  const s = sorter(['eng/web', 'eng/batch', 'ops']);
  s.allocated('eng/web', q({ cpus: 50 })); // eng: 50%
  s.allocated('ops', q({ cpus: 30 })); // ops: 30%
  assert.deepEqual(s.sort(), ['ops', 'eng/batch', 'eng/web']);
  assert.deepEqual(s.subtreeAllocation('eng'), q({ cpus: 50 }));
  // Weight 2 on eng: 25% against ops' 30%.
  s.updateWeight('eng', 2);
  assert.deepEqual(s.sort(), ['eng/batch', 'eng/web', 'ops']);
});

test('a role that has subroles competes with them through its own allocation', () => {
  const s = sorter(['eng', 'eng/web']);
  s.allocated('eng', q({ cpus: 10 })); // its own entry: 10%
  s.allocated('eng/web', q({ cpus: 5 })); // 5%
  assert.deepEqual(s.sort(), ['eng/web', 'eng']);
  assert.equal(s.share('eng'), 0.1);
  assert.deepEqual(s.subtreeAllocation('eng'), q({ cpus: 15 }));
});

test('inactive clients are not listed, yet their allocation counts for their ancestors', () => {
  const s = sorter(['eng/web', 'eng/batch', 'ops']);
  s.allocated('eng/web', q({ cpus: 40 }));
  s.allocated('ops', q({ cpus: 30 }));
  s.deactivate('eng/web');
  assert.deepEqual(s.sort(), ['ops', 'eng/batch']);
  assert.equal(s.isActive('eng/web'), false);
  s.activate('eng/web');
  assert.deepEqual(s.sort(), ['ops', 'eng/batch', 'eng/web']);
});

test('excluded resources do not count towards shares', () => {
  const s = sorter(['a', 'b'], { excludedResourceNames: ['gpus'] });
  s.allocated('a', q({ cpus: 10, gpus: 10 })); // 10% (gpus ignored)
  s.allocated('b', q({ cpus: 20 })); // 20%
  assert.deepEqual(s.sort(), ['a', 'b']);
  const counted = sorter(['a', 'b']);
  counted.allocated('a', q({ cpus: 10, gpus: 10 })); // 100% of gpus
  counted.allocated('b', q({ cpus: 20 }));
  assert.deepEqual(counted.sort(), ['b', 'a']);
});

test('equal shares are ordered by name, so an order can be replayed', () => {
  const s = sorter(['c', 'a/x', 'b']);
  assert.deepEqual(s.sort(), ['a/x', 'b', 'c']);
});

test('removing a client takes its allocation out of its ancestors and prunes empty nodes', () => {
  const s = sorter(['eng/web', 'eng/batch', 'ops']);
  s.allocated('eng/web', q({ cpus: 60 }));
  s.allocated('ops', q({ cpus: 10 }));
  assert.deepEqual(s.sort(), ['ops', 'eng/batch', 'eng/web']);
  s.remove('eng/web');
  assert.deepEqual(s.subtreeAllocation('eng'), q({}));
  assert.deepEqual(s.sort(), ['eng/batch', 'ops']);
  s.remove('eng/batch');
  assert.equal(s.contains('eng/batch'), false);
  assert.deepEqual(s.subtreeAllocation('eng'), q({}));
  assert.deepEqual(s.sort(), ['ops']);
});

test('allocations add and subtract in thousandths, and never go below zero', () => {
  const s = sorter(['a']);
  for (let i = 0; i < 10; i++) s.allocated('a', q({ cpus: 0.1 }));
  assert.deepEqual(s.allocation('a'), q({ cpus: 1 }));
  s.unallocated('a', q({ cpus: 5 }));
  assert.deepEqual(s.allocation('a'), q({}));
});

test('a client giving back more than it holds leaves its siblings\' part of the subtree alone', () => {
  const s = sorter(['eng/web', 'eng/batch']);
  s.allocated('eng/web', q({ cpus: 10 }));
  s.allocated('eng/batch', q({ cpus: 20 }));
  s.unallocated('eng/web', q({ cpus: 15 }));
  assert.deepEqual(s.allocation('eng/web'), q({}));
  assert.deepEqual(s.subtreeAllocation('eng'), q({ cpus: 20 }));
});

/** Hands `steps` units of cpus, one at a time, to whichever client sorts first. */
function handOut(s: DrfSorter, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const [first] = s.sort();
    if (first === undefined) return;
    s.allocated(first, q({ cpus: 1 }));
  }
}

test('property: under contention, siblings end up holding in proportion to their weights', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 6 }), (weights) => {
      const clients = weights.map((_, i) => `c${i}`);
      const s = sorter(clients);
      weights.forEach((weight, i) => s.updateWeight(`c${i}`, weight));
      handOut(s, 90);
      const perWeight = clients.map((client, i) => (s.allocation(client).get('cpus') ?? 0) / (weights[i] as number));
      // Greedy weighted DRF keeps every allocation/weight within one unit of each other.
      assert.ok(Math.max(...perWeight) - Math.min(...perWeight) <= 1 + 1e-9, `per weight: ${perWeight.join(', ')}`);
    }),
    { numRuns: 100 },
  );
});

test('property: top-level roles share by weight however many subroles each has', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ weight: fc.integer({ min: 1, max: 3 }), children: fc.integer({ min: 1, max: 4 }) }), { minLength: 2, maxLength: 4 }),
      (roles) => {
        const clients = roles.flatMap((role, r) => Array.from({ length: role.children }, (_, c) => `r${r}/c${c}`));
        const s = sorter(clients);
        roles.forEach((role, r) => s.updateWeight(`r${r}`, role.weight));
        handOut(s, 96);
        const perWeight = roles.map((role, r) => (s.subtreeAllocation(`r${r}`).get('cpus') ?? 0) / role.weight);
        assert.ok(Math.max(...perWeight) - Math.min(...perWeight) <= 1 + 1e-9, `per weight: ${perWeight.join(', ')}`);
        // Within each role, its subroles (all weight 1) are within one unit of each other.
        roles.forEach((role, r) => {
          const held = Array.from({ length: role.children }, (_, c) => s.allocation(`r${r}/c${c}`).get('cpus') ?? 0);
          assert.ok(Math.max(...held) - Math.min(...held) <= 1, `r${r}: ${held.join(', ')}`);
        });
      },
    ),
    { numRuns: 100 },
  );
});
