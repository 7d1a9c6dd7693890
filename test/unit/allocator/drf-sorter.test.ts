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

/**
 * The order computed from scratch, for comparison with the sorter's incrementally kept one: at
 * every node, children (and the node's own client, named '.') by weighted dominant share, then name.
 */
function orderFromScratch(
  clients: ReadonlyMap<string, { active: boolean; cpus: number; mem: number }>, weights: ReadonlyMap<string, number>, total: { cpus: number; mem: number },
): string[] {
  const share = (cpus: number, mem: number, path: string) => Math.max(total.cpus > 0 ? cpus / total.cpus : 0, total.mem > 0 ? mem / total.mem : 0) / (weights.get(path) ?? 1);
  const under = (path: string) => [...clients].filter(([client]) => client === path || client.startsWith(`${path}/`));
  const order: string[] = [];
  const visit = (prefix: string) => {
    const entries: Array<{ name: string; share: number; path: string; self: boolean }> = [];
    const childNames = new Set<string>();
    for (const [client] of clients) {
      if (prefix !== '' && !client.startsWith(`${prefix}/`)) continue;
      childNames.add(client.slice(prefix === '' ? 0 : prefix.length + 1).split('/')[0] as string);
    }
    for (const name of childNames) {
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const members = under(path);
      if (!members.some(([, c]) => c.active)) continue;
      const cpus = members.reduce((sum, [, c]) => sum + c.cpus, 0);
      const mem = members.reduce((sum, [, c]) => sum + c.mem, 0);
      entries.push({ name, share: share(cpus, mem, path), path, self: false });
    }
    const own = clients.get(prefix);
    if (prefix !== '' && own?.active) entries.push({ name: '.', share: share(own.cpus, own.mem, prefix), path: prefix, self: true });
    entries.sort((a, b) => a.share - b.share || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.self) order.push(entry.path);
      else visit(entry.path);
    }
  };
  visit('');
  return order;
}

test('property: the incrementally kept order is the order computed from scratch, whatever the changes', () => {
  const paths = ['a', 'a/x', 'a/y', 'a/x/p', 'b', 'b/z', 'c'];
  const path = fc.constantFrom(...paths);
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), path }),
    fc.record({ kind: fc.constant('remove' as const), path }),
    fc.record({ kind: fc.constant('activate' as const), path }),
    fc.record({ kind: fc.constant('deactivate' as const), path }),
    fc.record({ kind: fc.constant('allocate' as const), path, cpus: fc.integer({ min: 0, max: 8 }), mem: fc.integer({ min: 0, max: 64 }) }),
    fc.record({ kind: fc.constant('free' as const), path, cpus: fc.integer({ min: 0, max: 8 }), mem: fc.integer({ min: 0, max: 64 }) }),
    fc.record({ kind: fc.constant('weight' as const), path, weight: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('total' as const), cpus: fc.integer({ min: 0, max: 40 }), mem: fc.integer({ min: 0, max: 400 }) }),
    fc.record({ kind: fc.constant('sort' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'medium' }), (ops) => {
      const s = new DrfSorter();
      const total = { cpus: 10, mem: 100 };
      s.addTotal(q(total));
      const clients = new Map<string, { active: boolean; cpus: number; mem: number }>();
      const weights = new Map<string, number>();
      // Everyone starts in, active and sorted, so the random changes below act on a live order.
      for (const p of paths) {
        s.add(p);
        s.activate(p);
        clients.set(p, { active: true, cpus: 0, mem: 0 });
      }
      s.sort();
      for (const o of ops) {
        const client = 'path' in o ? clients.get(o.path) : undefined;
        switch (o.kind) {
          case 'add': s.add(o.path); if (!client) clients.set(o.path, { active: false, cpus: 0, mem: 0 }); break;
          case 'remove': s.remove(o.path); clients.delete(o.path); break;
          case 'activate': s.activate(o.path); if (client) client.active = true; break;
          case 'deactivate': s.deactivate(o.path); if (client) client.active = false; break;
          case 'allocate': s.allocated(o.path, q({ cpus: o.cpus, mem: o.mem })); if (client) { client.cpus += o.cpus; client.mem += o.mem; } break;
          case 'free': s.unallocated(o.path, q({ cpus: o.cpus, mem: o.mem })); if (client) { client.cpus = Math.max(0, client.cpus - o.cpus); client.mem = Math.max(0, client.mem - o.mem); } break;
          case 'weight': s.updateWeight(o.path, o.weight); weights.set(o.path, o.weight); break;
          case 'total': s.addTotal(q({ cpus: o.cpus, mem: o.mem })); total.cpus += o.cpus; total.mem += o.mem; break;
          case 'sort': assert.deepEqual(s.sort(), orderFromScratch(clients, weights, total)); break;
        }
      }
      assert.deepEqual(s.sort(), orderFromScratch(clients, weights, total));
    }),
    { numRuns: 300 },
  );
});

test('visit stops at the first client the visitor takes', () => {
  const s = sorter(['a', 'b', 'c']);
  s.allocated('a', q({ cpus: 10 }));
  const seen: string[] = [];
  assert.equal(s.visit((client) => { seen.push(client); return client === 'c'; }), true);
  assert.deepEqual(seen, ['b', 'c']);
});

test('a flat sorter treats / in a name as any other character', () => {
  const s = new DrfSorter({ hierarchical: false });
  s.addTotal(q({ cpus: 10 }));
  for (const client of ['x/1', 'x', 'y']) { s.add(client); s.activate(client); }
  s.allocated('x/1', q({ cpus: 5 }));
  s.allocated('y', q({ cpus: 1 }));
  assert.deepEqual(s.sort(), ['x', 'y', 'x/1']);
  assert.deepEqual(s.allocation('x'), q({}));
});
