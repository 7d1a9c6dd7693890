/**
 * Goal: the resource library does Mesos' resource arithmetic: scalars fixed-point to 0.001, RANGES
 * coalesced and split, SETs united and differenced, entries with different reservations or
 * allocation roles kept apart, and empty entries gone.
 * Method: worked examples for each rule, then fast-check properties over random lists of scalars
 * (up to three decimals), ranges and sets under a few reservation and allocation roles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import type { Range, Resource } from '../../../src/common/resources/wire.js';
import {
  addAll, subtractAllocated, subtractBySlots, allocatedTo, applyCheckpointedResources, availableFor, contains, describe, dynamicallyReserved, fromWireFormat, isDynamicallyReserved,
  isEmpty, popReservation, reservationFields, reservationRole, scalarQuantities, subtractAll, summarize, toOfferFormat, unallocated,
  withAllocationRole, withDefaultAllocationRole,
} from '../../../src/common/resources/resources.js';

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

interface Placement { reservedTo?: string; allocatedTo?: string }

function placed(resource: Resource, { reservedTo, allocatedTo: role }: Placement): Resource {
  return {
    ...resource,
    ...(reservedTo !== undefined ? { reservations: [{ type: 'STATIC' as const, role: reservedTo }] } : {}),
    ...(role !== undefined ? { allocation_info: { role } } : {}),
  };
}

const scalar = (name: string, value: number, where: Placement = {}): Resource =>
  placed({ name, type: 'SCALAR', scalar: { value } }, where);
const ranges = (name: string, pairs: Array<[number, number]>, where: Placement = {}): Resource =>
  placed({ name, type: 'RANGES', ranges: { range: pairs.map(([begin, end]) => ({ begin, end })) } }, where);
const set = (name: string, item: string[], where: Placement = {}): Resource =>
  placed({ name, type: 'SET', set: { item } }, where);

const valueOf = (list: readonly Resource[], name: string): number | undefined =>
  list.find((r) => r.name === name)?.scalar?.value;
const rangesOf = (list: readonly Resource[], name: string): Range[] | undefined =>
  list.find((r) => r.name === name)?.ranges?.range;

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

test('scalars are fixed-point to 0.001: 0.1 + 0.2 is exactly 0.3', () => {
  const sum = addAll([scalar('cpus', 0.1)], [scalar('cpus', 0.2)]);
  assert.equal(valueOf(sum, 'cpus'), 0.3);
  // Ten tasks of 0.1 cpus leave exactly nothing, not 1.3877787807814457e-16.
  const tenth = [scalar('cpus', 0.1)];
  let left = [scalar('cpus', 1)];
  for (let i = 0; i < 10; i++) left = subtractAll(left, tenth);
  assert.deepEqual(left, []);
});

test('scalars round to the nearest thousandth after every step', () => {
  assert.equal(valueOf(addAll([], [scalar('mem', 1.0004)]), 'mem'), 1);
  assert.equal(valueOf(addAll([], [scalar('mem', 1.0006)]), 'mem'), 1.001);
  // 0.0004 rounds to 0: an entry that small is empty and vanishes.
  assert.deepEqual(addAll([], [scalar('gpus', 0.0004)]), []);
});

test('same-named scalars add up; subtraction to zero or below removes the entry', () => {
  const total = addAll([scalar('cpus', 2), scalar('mem', 1024)], [scalar('cpus', 1.5)]);
  assert.deepEqual(total, [scalar('cpus', 3.5), scalar('mem', 1024)]);
  assert.deepEqual(subtractAll(total, [scalar('cpus', 3.5)]), [scalar('mem', 1024)]);
  assert.deepEqual(subtractAll(total, [scalar('cpus', 5)]), [scalar('mem', 1024)], 'nothing goes below zero');
  assert.deepEqual(subtractAll(total, [scalar('disk', 10)]), total, 'what a list lacks is ignored');
});

// ---------------------------------------------------------------------------------------------
// Ranges and sets
// ---------------------------------------------------------------------------------------------

test('ranges coalesce when they overlap or touch, and stay sorted', () => {
  const merged = addAll([ranges('ports', [[40, 50], [1, 3]])], [ranges('ports', [[4, 6], [5, 10], [20, 30]])]);
  assert.deepEqual(rangesOf(merged, 'ports'), [{ begin: 1, end: 10 }, { begin: 20, end: 30 }, { begin: 40, end: 50 }]);
});

test('subtracting ranges splits them, and taking all of them removes the entry', () => {
  const ports = [ranges('ports', [[31000, 32000]])];
  const left = subtractAll(ports, [ranges('ports', [[31000, 31000], [31500, 31599], [31990, 32100]])]);
  assert.deepEqual(rangesOf(left, 'ports'), [{ begin: 31001, end: 31499 }, { begin: 31600, end: 31989 }]);
  assert.deepEqual(subtractAll(ports, [ranges('ports', [[30000, 33000]])]), []);
});

test('sets unite without duplicates and subtract item by item', () => {
  const zones = addAll([set('zones', ['a', 'b'])], [set('zones', ['b', 'c'])]);
  assert.deepEqual(zones, [set('zones', ['a', 'b', 'c'])]);
  assert.deepEqual(subtractAll(zones, [set('zones', ['a', 'c'])]), [set('zones', ['b'])]);
  assert.deepEqual(subtractAll(zones, [set('zones', ['a', 'b', 'c'])]), []);
});

test('contains compares scalars by amount, ranges by coverage and sets by membership', () => {
  const have = [scalar('cpus', 2), ranges('ports', [[1, 10]]), set('zones', ['a', 'b'])];
  assert.ok(contains(have, [scalar('cpus', 1), scalar('cpus', 1)]), 'needed entries add up first: 1 + 1 ≤ 2');
  assert.ok(!contains(have, [scalar('cpus', 2.001)]));
  assert.ok(contains(have, [ranges('ports', [[2, 3], [9, 10]])]));
  assert.ok(!contains(have, [ranges('ports', [[9, 11]])]));
  assert.ok(contains(have, [set('zones', ['b'])]));
  assert.ok(!contains(have, [set('zones', ['c'])]));
  assert.ok(!contains(have, [scalar('mem', 1)]), 'a missing resource is not contained');
  assert.ok(contains(have, [scalar('mem', 0)]), 'an empty entry asks for nothing');
});

// ---------------------------------------------------------------------------------------------
// Reservations and allocation roles
// ---------------------------------------------------------------------------------------------

test('reserved and unreserved resources of one name stay apart', () => {
  const total = addAll([scalar('cpus', 4), scalar('cpus', 2, { reservedTo: 'dev' })], [scalar('cpus', 1, { reservedTo: 'dev' })]);
  assert.deepEqual(total, [scalar('cpus', 4), scalar('cpus', 3, { reservedTo: 'dev' })]);
  // Taking unreserved cpus leaves the reservation alone, and the other way round.
  assert.deepEqual(subtractAll(total, [scalar('cpus', 4)]), [scalar('cpus', 3, { reservedTo: 'dev' })]);
  assert.ok(!contains([scalar('cpus', 4)], [scalar('cpus', 1, { reservedTo: 'dev' })]));
  // A static and a dynamic reservation for the same role are different resources too.
  const dynamic: Resource = { ...scalar('cpus', 1), reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'ops' }] };
  assert.equal(addAll(total, [dynamic]).length, 3);
});

test('resources allocated to different roles stay apart until unallocated merges them', () => {
  const allocated = addAll([scalar('cpus', 1, { allocatedTo: 'dev' })], [scalar('cpus', 2, { allocatedTo: 'ops' })]);
  assert.equal(allocated.length, 2);
  assert.deepEqual([...allocatedTo(allocated).keys()], ['dev', 'ops']);
  assert.deepEqual(unallocated(allocated), [scalar('cpus', 3)]);
  assert.deepEqual(withAllocationRole([scalar('mem', 1)], 'dev'), [scalar('mem', 1, { allocatedTo: 'dev' })]);
  assert.deepEqual(
    withDefaultAllocationRole([scalar('mem', 1), scalar('cpus', 1, { allocatedTo: 'ops' })], 'dev'),
    [scalar('mem', 1, { allocatedTo: 'dev' }), scalar('cpus', 1, { allocatedTo: 'ops' })],
  );
});

test('a role is offered unreserved resources and those reserved to it or an ancestor', () => {
  const free = [scalar('cpus', 1), scalar('cpus', 2, { reservedTo: 'eng' }), scalar('cpus', 4, { reservedTo: 'ops' })];
  assert.deepEqual(availableFor(free, 'eng/web').map(reservationRole), ['*', 'eng']);
  assert.deepEqual(availableFor(free, 'ops').map(reservationRole), ['*', 'ops']);
  assert.deepEqual(availableFor(free, 'engineering').map(reservationRole), ['*'], "'eng' is not an ancestor of 'engineering'");
});

test('wire input in the pre-refinement format becomes a reservation stack', () => {
  const wire: Resource[] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'dev' },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, role: 'dev', reservation: { principal: 'p' } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, role: '*' },
    { name: 'mem', type: 'SCALAR', scalar: { value: 64 }, reservations: [] },
  ];
  assert.deepEqual(fromWireFormat(wire), [
    { name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, reservations: [{ type: 'STATIC', role: 'dev' }] },
    { name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, reservations: [{ type: 'DYNAMIC', role: 'dev', principal: 'p' }] },
    { name: 'mem', type: 'SCALAR', scalar: { value: 128 } },
  ]);
  // Frameworks without RESERVATION_REFINEMENT see the old format again.
  const offered = toOfferFormat(fromWireFormat(wire), { refinement: false, allocationInfo: false });
  assert.deepEqual(offered.map((r) => [r.role, r.reservation]), [['dev', undefined], ['dev', { principal: 'p' }], ['*', undefined]]);
});

test('describe, scalarQuantities and summarize report totals as Mesos prints them', () => {
  const list = [scalar('cpus', 1.5), scalar('cpus', 1, { reservedTo: 'dev' }), ranges('ports', [[1, 2], [5, 6]]), set('zones', ['a'])];
  assert.equal(describe(list), 'cpus:1.5; cpus(dev):1; ports:[1-2, 5-6]; zones:{a}');
  assert.equal(describe([]), '{}');
  assert.deepEqual([...scalarQuantities(list)], [['cpus', 2.5]]);
  assert.deepEqual(summarize(list), { disk: 0, mem: 0, gpus: 0, cpus: 2.5, ports: '[1-2, 5-6]' });
  assert.ok(isEmpty([scalar('cpus', 0), ranges('ports', []), set('zones', [])]));
  assert.ok(!isEmpty([scalar('cpus', 0.001)]));
});

test('operations never change their inputs, even where results share entries with them', () => {
  const a = [scalar('cpus', 2, { allocatedTo: 'dev' }), ranges('ports', [[1, 10]]), set('zones', ['a', 'b'])];
  const b = [scalar('cpus', 1, { allocatedTo: 'dev' }), ranges('ports', [[3, 4]]), set('zones', ['b'])];
  const before = structuredClone([a, b]);
  addAll(a, b);
  subtractAll(a, b);
  contains(a, b);
  unallocated(a);
  assert.deepEqual([a, b], before);
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const RESERVATION_ROLES = [undefined, 'dev', 'ops'] as const;
const ALLOCATION_ROLES = [undefined, 'dev', 'ops/web'] as const;

const placement: fc.Arbitrary<Placement> = fc.record({
  reservedTo: fc.constantFrom(...RESERVATION_ROLES),
  allocatedTo: fc.constantFrom(...ALLOCATION_ROLES),
}).map(({ reservedTo, allocatedTo: role }) => ({
  ...(reservedTo !== undefined ? { reservedTo } : {}),
  ...(role !== undefined ? { allocatedTo: role } : {}),
}));

/** Scalars with up to three decimals, as Mesos' fixed point holds them exactly. */
const thousandths = fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000);

/**
 * Resource lists whose RANGES and SET values come from one of two disjoint pools, so that a list
 * drawn from pool 0 and one from pool 1 never share a port or an item (union is not invertible on
 * shared ones: ({a} + {a}) − {a} is {}). `pool` undefined draws from both.
 */
function resourceList(pool?: 0 | 1): fc.Arbitrary<Resource[]> {
  const low = pool === 1 ? 500 : 0;
  const high = pool === 0 ? 499 : 999;
  const range = fc.tuple(fc.integer({ min: low, max: high }), fc.integer({ min: 0, max: 20 }))
    .map(([begin, length]): [number, number] => [begin, Math.min(high, begin + length)]);
  const items = pool === undefined ? ['a', 'b', 'c', 'x', 'y', 'z'] : pool === 0 ? ['a', 'b', 'c'] : ['x', 'y', 'z'];
  const entry = fc.oneof(
    fc.tuple(fc.constantFrom('cpus', 'mem'), thousandths, placement).map(([name, value, where]) => scalar(name, value, where)),
    fc.tuple(fc.array(range, { maxLength: 3 }), placement).map(([pairs, where]) => ranges('ports', pairs, where)),
    fc.tuple(fc.uniqueArray(fc.constantFrom(...items), { maxLength: 3 }), placement).map(([item, where]) => set('zones', item, where)),
  );
  return fc.array(entry, { maxLength: 8 });
}

/** A list in a form that ignores order: merged, entries sorted by identity, set items sorted. */
function canonical(list: readonly Resource[]): Resource[] {
  const sortKey = (r: Resource) => JSON.stringify([r.name, r.reservations ?? [], r.allocation_info?.role ?? '']);
  return addAll([], list)
    .map((r) => (r.set ? { ...r, set: { item: [...(r.set.item ?? [])].sort() } } : r))
    .sort((x, y) => (sortKey(x) < sortKey(y) ? -1 : sortKey(x) > sortKey(y) ? 1 : 0));
}

/** A list `a` holds: for each of its entries, maybe a part of it. */
function partOf(list: readonly Resource[]): fc.Arbitrary<Resource[]> {
  const parts = addAll([], list).map((entry): fc.Arbitrary<Resource | null> => {
    if (entry.type === 'SCALAR') {
      const millis = Math.round((entry.scalar?.value ?? 0) * 1000);
      return fc.integer({ min: 0, max: millis }).map((taken) => ({ ...entry, scalar: { value: taken / 1000 } }));
    }
    if (entry.type === 'RANGES') {
      const subRange = (range: Range) => fc.tuple(fc.integer({ min: range.begin, max: range.end }), fc.integer({ min: range.begin, max: range.end }))
        .map(([x, y]) => ({ begin: Math.min(x, y), end: Math.max(x, y) }));
      return fc.tuple(...(entry.ranges?.range ?? []).map(subRange)).chain((picked) => fc.subarray(picked))
        .map((range) => ({ ...entry, ranges: { range } }));
    }
    return fc.subarray(entry.set?.item ?? []).map((item) => ({ ...entry, set: { item } }));
  });
  return fc.tuple(...parts.map((part) => fc.option(part, { nil: null })))
    .map((picked) => picked.filter((r): r is Resource => r !== null));
}

const RUNS = { numRuns: 300 };

test('property: (a + b) − b = a when b shares no ports or set items with a', () => {
  fc.assert(fc.property(resourceList(0), resourceList(1), (a, b) => {
    assert.deepEqual(canonical(subtractAll(addAll(a, b), b)), canonical(a));
  }), RUNS);
});

test('property: a + b contains a and b, and a contains a', () => {
  fc.assert(fc.property(resourceList(), resourceList(), (a, b) => {
    const sum = addAll(a, b);
    assert.ok(contains(sum, a));
    assert.ok(contains(sum, b));
    assert.ok(contains(a, a));
  }), RUNS);
});

test('property: when a contains b, (a − b) + b = a', () => {
  const pair = resourceList().chain((a) => partOf(a).map((b) => [a, b] as const));
  fc.assert(fc.property(pair, ([a, b]) => {
    assert.ok(contains(a, b), 'the generator only makes parts of a');
    assert.deepEqual(canonical(addAll(subtractAll(a, b), b)), canonical(a));
  }), RUNS);
});

test('property: addition is commutative and associative', () => {
  fc.assert(fc.property(resourceList(), resourceList(), resourceList(), (a, b, c) => {
    assert.deepEqual(canonical(addAll(a, b)), canonical(addAll(b, a)));
    assert.deepEqual(canonical(addAll(addAll(a, b), c)), canonical(addAll(a, addAll(b, c))));
  }), RUNS);
});

test('property: a − a is empty', () => {
  fc.assert(fc.property(resourceList(), (a) => {
    const difference = subtractAll(a, a);
    assert.ok(isEmpty(difference));
    assert.deepEqual(difference, [], 'empty entries vanish rather than linger as zeros');
  }), RUNS);
});

// ---------------------------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------------------------

const dynamicLevel = (role: string, principal?: string) => ({ type: 'DYNAMIC' as const, role, ...(principal !== undefined ? { principal } : {}) });
const withStack = (resource: Resource, stack: NonNullable<Resource['reservations']>): Resource => ({ ...resource, reservations: stack });

test('popReservation gives a reservation back to the level below; isDynamicallyReserved looks at the innermost level', () => {
  const refined = withStack(scalar('cpus', 2), [{ type: 'STATIC', role: 'eng' }, dynamicLevel('eng/a', 'p')]);
  assert.equal(isDynamicallyReserved(refined), true);
  assert.deepEqual(popReservation(refined), scalar('cpus', 2, { reservedTo: 'eng' }));
  assert.equal(isDynamicallyReserved(popReservation(refined)), false, 'a static reservation is not dynamic');
  assert.deepEqual(popReservation(withStack(scalar('cpus', 2), [dynamicLevel('eng')])), scalar('cpus', 2), 'the last level leaves it unreserved');
});

test('applyCheckpointedResources takes each reservation out of what it was reserved from, or says it does not fit', () => {
  const flags = fromWireFormat([scalar('cpus', 4), scalar('mem', 1024), scalar('cpus', 2, { reservedTo: 'eng' })]);
  const checkpointed = [
    withStack(scalar('cpus', 3), [dynamicLevel('ads', 'admin')]),
    withStack(scalar('cpus', 1), [{ type: 'STATIC', role: 'eng' }, dynamicLevel('eng/a')]),
  ];
  const applied = applyCheckpointedResources(flags, checkpointed);
  assert.ok(applied.ok);
  assert.deepEqual(applied.total, [
    scalar('cpus', 1),
    scalar('mem', 1024),
    scalar('cpus', 1, { reservedTo: 'eng' }),
    ...checkpointed,
  ]);
  const tooMuch = applyCheckpointedResources(flags, [withStack(scalar('cpus', 5), [dynamicLevel('ads')])]);
  assert.equal(tooMuch.ok, false);
  assert.match(tooMuch.ok ? '' : tooMuch.error, /does not contain cpus:5, which cpus\(ads\):5 was reserved from/);
  const notDynamic = applyCheckpointedResources(flags, [scalar('cpus', 1, { reservedTo: 'eng' })]);
  assert.match(notDynamic.ok ? '' : notDynamic.error, /is not dynamically reserved/);
});

test('reservationFields keys reserved resources by their innermost role, sorted, as Mesos endpoints do', () => {
  const total = [
    scalar('mem', 512),
    withStack(scalar('cpus', 1), [dynamicLevel('web')]),
    scalar('cpus', 2, { reservedTo: 'eng' }),
    withStack(scalar('cpus', 1), [{ type: 'STATIC', role: 'eng' }, dynamicLevel('eng/a')]),
  ];
  const fields = reservationFields(total);
  assert.deepEqual(Object.keys(fields.reserved_resources), ['eng', 'eng/a', 'web']);
  assert.deepEqual(fields.reserved_resources.eng, { disk: 0, mem: 0, gpus: 0, cpus: 2 });
  assert.deepEqual(fields.unreserved_resources, { disk: 0, mem: 512, gpus: 0, cpus: 0 });
  assert.deepEqual(fields.reserved_resources_full.web, [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 }, role: 'web', reservation: {}, reservations: [dynamicLevel('web')] }]);
  assert.deepEqual(fields.unreserved_resources_full, [{ name: 'mem', type: 'SCALAR', scalar: { value: 512 }, role: '*' }]);
  assert.deepEqual(dynamicallyReserved(total).map((r) => r.reservations?.at(-1)?.role), ['web', 'eng/a']);
});

test('property: the fast path of subtraction (lists of distinct names) gives what the general path gives', () => {
  const distinct = (list: Resource[]) => {
    const seen = new Set<string>();
    return addAll([], list).filter((r) => (seen.has(r.name) ? false : (seen.add(r.name), true)));
  };
  fc.assert(fc.property(resourceList(), resourceList(), (a, b) => {
    const left = distinct(a);
    const right = distinct(b);
    assert.deepEqual(canonical(subtractAll(left, right)), canonical(subtractBySlots(left, right)));
    // And a part of `left` taken away, the case an offer or a task makes.
    fc.assert(fc.property(partOf(left), (part) => {
      assert.deepEqual(canonical(subtractAll(left, distinct(part))), canonical(subtractBySlots(left, distinct(part))));
      // The same part as offered to a role: taking it out of the free pool ignores the allocation role.
      const offered = withAllocationRole(distinct(part), 'eng');
      assert.deepEqual(canonical(subtractAllocated(left, offered)), canonical(subtractBySlots(left, unallocated(offered))));
    }), { numRuns: 5 });
  }), RUNS);
});
