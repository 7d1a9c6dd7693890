/**
 * The resource library: arithmetic over Mesos `Resource[]` lists, as the master, the allocator,
 * the agents and the simulator need it.
 *
 * Internally every list is in the refinement format (a `reservations` stack, no `role` or
 * `reservation`), so two entries are the same resource exactly when their names, types,
 * reservations, allocation role, disk, revocable, shared and provider match: their *identity*.
 * Entries with one identity add up: scalars are fixed-point to 0.001 (rounded after every add and
 * subtract, as Mesos does), RANGES are coalesced and split, SETs are united and differenced, and
 * an entry that ends up empty vanishes.
 *
 * Speed: the allocator runs this arithmetic for every agent on every round, so an entry's
 * identity is a short string of its identifying fields, lists are merged with one Map lookup per
 * entry, and an entry that is already in normal form is passed through instead of being copied.
 * That sharing is safe because resource objects are never mutated in place.
 */
import { withFields } from '../with-fields.js';
import type { Range, ReservationInfo, Resource } from './wire.js';

/** Scalar totals per resource name (`cpus` → 2.5). */
export type Quantities = Map<string, number>;

const SCALAR_PRECISION = 1000;
const round = (value: number): number => Math.round(value * SCALAR_PRECISION) / SCALAR_PRECISION;

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

// Optional fields are appended only when present, each behind its own tag; tags and separators are
// control characters, which names, roles and principals never contain, so distinct identities get
// distinct keys. The common entry (`cpus`, allocated to a role) costs three concatenations.
const TAG_ALLOCATION_ROLE = '\u0001';
const TAG_RESERVATION = '\u0002';
const TAG_DISK = '\u0003';
const TAG_REVOCABLE = '\u0004';
const TAG_SHARED = '\u0005';
const TAG_PROVIDER = '\u0006';
const SEPARATOR = '\u0000';

/** A reservation level's fields, `''` for an absent one and `=value` for a present one. */
function reservationKey(level: ReservationInfo): string {
  const optional = (value: string | undefined): string => (value === undefined ? '' : `=${value}`);
  const labels = level.labels === undefined ? '' : JSON.stringify(level.labels);
  return TAG_RESERVATION + optional(level.type) + SEPARATOR + optional(level.role) + SEPARATOR + optional(level.principal) + SEPARATOR + labels;
}

/**
 * Cached on the entry under a non-enumerable symbol: spreading (`{...entry, role}`) does not copy
 * it, so a derived entry computes its own, and JSON never shows it. Entries are never mutated after
 * creation, so a cached identity stays true. (A WeakMap was measured slower than this.)
 */
const IDENTITY = Symbol('resource identity');

/**
 * What makes two entries addable into one: name, type, allocation role, reservation stack, disk,
 * revocable, shared and provider.
 */
function identityOf(resource: Resource): string {
  const cached = (resource as { [IDENTITY]?: string })[IDENTITY];
  if (cached !== undefined) return cached;
  const key = computeIdentity(resource);
  if (Object.isExtensible(resource)) Object.defineProperty(resource, IDENTITY, { value: key });
  return key;
}

function computeIdentity(resource: Resource, withAllocationRole = true): string {
  let key = resource.name + SEPARATOR + resource.type;
  const allocationRole = withAllocationRole ? resource.allocation_info?.role : undefined;
  if (allocationRole !== undefined) key += TAG_ALLOCATION_ROLE + allocationRole;
  const reservations = resource.reservations;
  if (reservations !== undefined) for (const level of reservations) key += reservationKey(level);
  // Disk info carries free-form volume and source messages; it is rare, so JSON is fine here.
  if (resource.disk !== undefined) key += TAG_DISK + JSON.stringify(resource.disk);
  if (resource.revocable !== undefined) key += TAG_REVOCABLE;
  if (resource.shared !== undefined) key += TAG_SHARED;
  if (resource.provider_id !== undefined) key += TAG_PROVIDER + resource.provider_id.value;
  return key;
}

// ---------------------------------------------------------------------------------------------
// Ranges and sets
// ---------------------------------------------------------------------------------------------

/** Sorted, each range well-formed, neighbours neither overlapping nor adjacent: nothing to merge. */
function isCoalesced(ranges: readonly Range[]): boolean {
  let previousEnd = -2;
  for (const range of ranges) {
    if (range.begin > range.end || range.begin <= previousEnd + 1) return false;
    previousEnd = range.end;
  }
  return true;
}

/** Sorts and coalesces overlapping and adjacent ranges (`[1-3, 4-6]` → `[1-6]`), into new objects. */
function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range.begin <= last.end + 1) last.end = Math.max(last.end, range.end);
    else out.push({ begin: range.begin, end: range.end });
  }
  return out;
}

/**
 * Lists that outlive the call (an agent's free pool) are built in a scratch list and copied out at
 * their exact length: a list grown by push keeps up to twice the room it needs, and at thousands of
 * agents the collector pays for that room on every pass.
 */
const rangeScratch: Range[] = [];
const resourceScratch: Resource[] = [];

/** `from` minus `cuts`, both coalesced; one pass over both, splitting ranges a cut falls inside. */
function subtractRanges(from: readonly Range[], cuts: readonly Range[]): Range[] {
  // Written by index, never emptied by `length = 0`, which would free the scratch list's room.
  const out = rangeScratch;
  let count = 0;
  let next = 0;
  for (const range of from) {
    while (next < cuts.length && (cuts[next] as Range).end < range.begin) next++;
    let begin = range.begin;
    let cutIndex = next;
    for (; cutIndex < cuts.length; cutIndex++) {
      const cut = cuts[cutIndex] as Range;
      if (cut.begin > range.end) break;
      if (cut.begin > begin) out[count++] = { begin, end: cut.begin - 1 };
      begin = Math.max(begin, cut.end + 1);
      // A cut reaching past this range may cut the next one too: look at it again there.
      if (cut.end > range.end) break;
    }
    if (begin <= range.end) out[count++] = { begin, end: range.end };
    next = cutIndex;
  }
  return out.slice(0, count);
}

/** Whether every range of `inner` lies inside one range of `outer`; both coalesced. */
function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  let index = 0;
  for (const range of inner) {
    while (index < outer.length && (outer[index] as Range).end < range.begin) index++;
    const candidate = outer[index];
    if (!candidate || candidate.begin > range.begin || candidate.end < range.end) return false;
  }
  return true;
}

const hasDuplicates = (items: readonly string[]): boolean => items.length > 1 && new Set(items).size !== items.length;

// ---------------------------------------------------------------------------------------------
// Merging lists: one slot per identity
// ---------------------------------------------------------------------------------------------

/** Everything seen for one identity while merging lists; the value is computed when read. */
interface Slot {
  /** The first entry seen with this identity: the result keeps its other fields. */
  first: Resource;
  /** Later entries with this identity (RANGES and SET; scalars go straight into `scalar`). */
  added: Resource[] | null;
  /** Entries subtracted from this identity (RANGES and SET). */
  taken: Resource[] | null;
  /** The running SCALAR value, rounded after every step as Mesos' fixed point is. */
  scalar: number;
}

type Slots = Map<string, Slot>;

const scalarOf = (resource: Resource): number => resource.scalar?.value ?? 0;

function addTo(slots: Slots, list: readonly Resource[]): void {
  for (const resource of list) {
    const key = identityOf(resource);
    const slot = slots.get(key);
    if (!slot) {
      slots.set(key, { first: resource, added: null, taken: null, scalar: resource.type === 'SCALAR' ? round(scalarOf(resource)) : 0 });
    } else if (resource.type === 'SCALAR') {
      slot.scalar = round(slot.scalar + scalarOf(resource));
    } else {
      (slot.added ??= []).push(resource);
    }
  }
}

/** Subtracts entry by entry; entries of `list` with no slot are ignored. */
function takeFrom(slots: Slots, list: readonly Resource[]): void {
  for (const resource of list) {
    const slot = slots.get(identityOf(resource));
    if (!slot) continue;
    if (resource.type === 'SCALAR') slot.scalar = round(slot.scalar - scalarOf(resource));
    else (slot.taken ??= []).push(resource);
  }
}

function slotsOf(list: readonly Resource[]): Slots {
  const slots: Slots = new Map();
  addTo(slots, list);
  return slots;
}

/** The coalesced ranges of a slot; the first entry's own array when it is already in normal form. */
function rangesOf(slot: Slot): Range[] {
  const own = slot.first.ranges?.range ?? [];
  if (slot.added === null && slot.taken === null && isCoalesced(own)) return own;
  let merged: Range[];
  if (slot.added === null && isCoalesced(own)) merged = own;
  else {
    const all: Range[] = [...own];
    for (const resource of slot.added ?? []) for (const range of resource.ranges?.range ?? []) all.push(range);
    merged = mergeRanges(all);
  }
  if (slot.taken === null) return merged;
  // One list taken away, already in normal form (the common case), needs no sorting.
  const single = slot.taken.length === 1 ? (slot.taken[0]?.ranges?.range ?? []) : null;
  const cuts = single !== null && isCoalesced(single) ? single : mergeRanges(slot.taken.flatMap((resource) => resource.ranges?.range ?? []));
  return subtractRanges(merged, cuts);
}

/** The distinct items of a slot in first-seen order; the first entry's own array when already distinct. */
function itemsOf(slot: Slot): string[] {
  const own = slot.first.set?.item ?? [];
  if (slot.added === null && slot.taken === null && !hasDuplicates(own)) return own;
  const items = new Set(own);
  for (const resource of slot.added ?? []) for (const item of resource.set?.item ?? []) items.add(item);
  for (const resource of slot.taken ?? []) for (const item of resource.set?.item ?? []) items.delete(item);
  return [...items];
}

/** The merged entry of a slot, or null when it is empty (TEXT and unknown types are always empty). */
function entryOf(slot: Slot): Resource | null {
  const first = slot.first;
  switch (first.type) {
    case 'SCALAR':
      if (slot.scalar <= 0) return null;
      return first.scalar?.value === slot.scalar ? first : { ...first, scalar: { value: slot.scalar } };
    case 'RANGES': {
      const ranges = rangesOf(slot);
      if (ranges.length === 0) return null;
      return ranges === first.ranges?.range ? first : { ...first, ranges: { range: ranges } };
    }
    case 'SET': {
      const items = itemsOf(slot);
      if (items.length === 0) return null;
      return items === first.set?.item ? first : { ...first, set: { item: items } };
    }
    default:
      return null;
  }
}

function entriesOf(slots: Slots): Resource[] {
  const out: Resource[] = [];
  for (const slot of slots.values()) {
    const entry = entryOf(slot);
    if (entry) out.push(entry);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

/** Converts one entry from either wire format to the refinement format. */
export function normalize(resource: Resource): Resource {
  const { role, reservation, ...rest } = resource;
  if (rest.reservations !== undefined || role === undefined || role === '*') {
    return rest.reservations !== undefined && rest.reservations.length === 0 ? withoutReservations(rest) : rest;
  }
  const level = {
    type: reservation ? ('DYNAMIC' as const) : ('STATIC' as const),
    role,
    ...(reservation?.principal !== undefined ? { principal: reservation.principal } : {}),
    ...(reservation?.labels !== undefined ? { labels: reservation.labels } : {}),
  };
  return withFields(rest, { reservations: [level] });
}

function withoutReservations(resource: Resource): Resource {
  const { reservations: _dropped, ...rest } = resource;
  return rest;
}

/** Normalises a list from the wire (either format), merging entries that are the same resource. */
export function fromWireFormat(list: readonly Resource[]): Resource[] {
  return addAll([], list.map(normalize));
}

/** a + b, merging entries that are the same resource; empty entries vanish. */
export function addAll(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  // Normalising one list that is already normal (every agent's total, every offer) changes nothing.
  if (a.length === 0 && isNormalWithDistinctNames(b)) return b.slice();
  if (b.length === 0 && isNormalWithDistinctNames(a)) return a.slice();
  const slots = slotsOf(a);
  addTo(slots, b);
  return entriesOf(slots);
}

/**
 * True when merging the list would return its entries as they are: names all differ (so
 * identities do too), and every entry is non-empty and in normal form (scalars in thousandths,
 * ranges sorted and coalesced, set items distinct).
 */
function isNormalWithDistinctNames(list: readonly Resource[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const resource = list[i] as Resource;
    for (let j = 0; j < i; j++) if ((list[j] as Resource).name === resource.name) return false;
    switch (resource.type) {
      case 'SCALAR': {
        const value = resource.scalar?.value ?? 0;
        if (!(value > 0) || round(value) !== value) return false;
        break;
      }
      case 'RANGES': {
        const ranges = resource.ranges?.range ?? [];
        if (ranges.length === 0 || !isCoalesced(ranges)) return false;
        break;
      }
      case 'SET': {
        const items = resource.set?.item ?? [];
        if (items.length === 0 || hasDuplicates(items)) return false;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

/** a − b; entries of b that a lacks are ignored, and entries that reach zero or below vanish. */
export function subtractAll(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  return subtractByName(a, b, false) ?? subtractBySlots(a, b);
}

/**
 * a − unallocated(b): what an allocation takes out of an agent's free pool, without building the
 * allocation's unallocated copy first.
 */
export function subtractAllocated(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  return subtractByName(a, b, true) ?? subtractBySlots(a, unallocated(b));
}

/**
 * Whether `take` is the same resource as `have`; with `ignoreAllocationRole`, whether its
 * unallocated self is (and then `have` must be unallocated).
 */
function sameIdentity(take: Resource, have: Resource, ignoreAllocationRole: boolean): boolean {
  if (take.name !== have.name || take.type !== have.type) return false;
  if (ignoreAllocationRole ? have.allocation_info !== undefined : take.allocation_info?.role !== have.allocation_info?.role) return false;
  // Plain entries (the usual cpus, mem, disk and ports) need no identity string.
  if (isPlain(take) && isPlain(have)) return true;
  return computeIdentity(take, false) === computeIdentity(have, false);
}

/**
 * A copy of `have` holding `value`. A bare entry (name, type and amount only: the usual cpus and
 * mem) is written as a literal, which is several times quicker than a spread and exactly sized.
 */
function withScalar(have: Resource, value: number): Resource {
  return isBare(have) ? { name: have.name, type: have.type, scalar: { value } } : { ...have, scalar: { value } };
}

/** Nothing but a name, a type and an amount (fields Mesos does not know are dropped, as it drops them). */
const isBare = (r: Resource): boolean => isPlain(r) && r.allocation_info === undefined && r.role === undefined && r.reservation === undefined;

const isPlain = (r: Resource): boolean =>
  r.reservations === undefined && r.disk === undefined && r.revocable === undefined && r.shared === undefined && r.provider_id === undefined;

/** The general path of `subtractAll`, for any lists (exported so tests can hold the fast path to it). */
export function subtractBySlots(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const slots = slotsOf(a);
  // Scalars of `a` that sum to zero or less are absent, so `b` cannot bring them back.
  for (const [key, slot] of slots) if (slot.first.type === 'SCALAR' && slot.scalar <= 0) slots.delete(key);
  takeFrom(slots, b);
  return entriesOf(slots);
}

/**
 * `subtractAll` for the common case (an agent's free pool less an offer, a total less what is
 * used): `a` in normal form with distinct names and `b` with distinct names, so entries pair up
 * by name, with no maps and no identity cache on fresh objects. Null when the lists are not of
 * that shape or a pair differs in more than its amount (the general path then decides).
 */
function subtractByName(a: readonly Resource[], b: readonly Resource[], ignoreAllocationRole: boolean): Resource[] | null {
  if (!isNormalWithDistinctNames(a)) return null;
  for (let i = 0; i < b.length; i++) for (let j = 0; j < i; j++) if ((b[j] as Resource).name === (b[i] as Resource).name) return null;
  const out = resourceScratch;
  let count = 0;
  for (const have of a) {
    const take = b.find((resource) => resource.name === have.name);
    if (take === undefined) {
      out[count++] = have;
      continue;
    }
    if (!sameIdentity(take, have, ignoreAllocationRole)) return null;
    if (have.type === 'SCALAR') {
      const value = round(scalarOf(have) - scalarOf(take));
      if (value > 0) out[count++] = value === scalarOf(have) ? have : withScalar(have, value);
    } else if (have.type === 'RANGES') {
      const cuts = take.ranges?.range ?? [];
      const ranges = subtractRanges(have.ranges?.range ?? [], isCoalesced(cuts) ? cuts : mergeRanges(cuts));
      if (ranges.length > 0) out[count++] = isBare(have) ? { name: have.name, type: have.type, ranges: { range: ranges } } : { ...have, ranges: { range: ranges } };
    } else {
      const taken = new Set(take.set?.item ?? []);
      const items = (have.set?.item ?? []).filter((item) => !taken.has(item));
      if (items.length > 0) out[count++] = items.length === have.set?.item?.length ? have : { ...have, set: { item: items } };
    }
  }
  return out.slice(0, count);
}

/** True when `a` holds everything in `b`. */
export function contains(a: readonly Resource[], b: readonly Resource[]): boolean {
  const have = slotsOf(a);
  for (const [key, slot] of slotsOf(b)) {
    const needed = entryOf(slot);
    if (!needed) continue;
    const held = have.get(key);
    if (!held) return false;
    if (needed.type === 'SCALAR' && round(held.scalar - slot.scalar) < 0) return false;
    if (needed.type === 'RANGES' && !rangesContain(rangesOf(held), rangesOf(slot))) return false;
    if (needed.type === 'SET') {
      const heldItems = new Set(itemsOf(held));
      if (!itemsOf(slot).every((item) => heldItems.has(item))) return false;
    }
  }
  return true;
}

function isEmptyEntry(resource: Resource): boolean {
  switch (resource.type) {
    case 'SCALAR': return scalarOf(resource) <= 0;
    case 'RANGES': return (resource.ranges?.range ?? []).length === 0;
    case 'SET': return (resource.set?.item ?? []).length === 0;
    default: return true;
  }
}

/** True when no entry holds anything (entries are not merged first). */
export function isEmpty(list: readonly Resource[]): boolean {
  return list.every(isEmptyEntry);
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

function withoutAllocationInfo(resource: Resource): Resource {
  if (resource.allocation_info === undefined) return resource;
  const { allocation_info: _dropped, ...rest } = resource;
  return rest;
}

/** Drops allocation info (what an agent's total looks like). */
export function unallocated(list: readonly Resource[]): Resource[] {
  return addAll([], list.some((resource) => resource.allocation_info !== undefined) ? list.map(withoutAllocationInfo) : list);
}

/** Marks every entry as allocated to `role`. */
export function withAllocationRole(list: readonly Resource[], role: string): Resource[] {
  return list.map((r) => withFields(r, { allocation_info: { role } }));
}

/** Sets the allocation role where a resource has none (input from clients that predate MULTI_ROLE). */
export function withDefaultAllocationRole(list: readonly Resource[], role: string): Resource[] {
  return list.map((r) => (r.allocation_info?.role !== undefined ? r : withFields(r, { allocation_info: { role } })));
}

/** Groups resources by their allocation role (`*` when they have none). */
export function allocatedTo(list: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const resource of list) {
    const role = resource.allocation_info?.role ?? '*';
    const group = out.get(role);
    if (group) group.push(resource);
    else out.set(role, [resource]);
  }
  return out;
}

/** The reservation role of an entry: its innermost reservation, or `*` when unreserved. */
export function reservationRole(resource: Resource): string {
  const stack = resource.reservations ?? [];
  return stack.length > 0 ? (stack[stack.length - 1]?.role ?? '*') : '*';
}

/** Free resources a role may be offered: unreserved ones, and those reserved to it or an ancestor. */
export function availableFor(free: readonly Resource[], role: string): Resource[] {
  return free.filter((r) => {
    const reservedTo = reservationRole(r);
    return reservedTo === '*' || reservedTo === role || role.startsWith(`${reservedTo}/`);
  });
}

// ---------------------------------------------------------------------------------------------
// Reservations
// ---------------------------------------------------------------------------------------------

/**
 * True when an entry is dynamically reserved: its innermost reservation is DYNAMIC. (A static level
 * can only be the outermost one, so any dynamic level makes the innermost one dynamic.)
 */
export function isDynamicallyReserved(resource: Resource): boolean {
  const stack = resource.reservations ?? [];
  return stack.length > 0 && stack[stack.length - 1]?.type === 'DYNAMIC';
}

/** The entry with its innermost reservation taken off (Mesos `popReservation`): unreserving gives it to the level below. */
export function popReservation(resource: Resource): Resource {
  const stack = resource.reservations ?? [];
  if (stack.length <= 1) return withoutReservations(resource);
  return { ...resource, reservations: stack.slice(0, -1) };
}

/** The entry with every dynamic level taken off: what an agent's `--resources` had before reservations were made. */
function withoutDynamicReservations(resource: Resource): Resource {
  const stack = resource.reservations ?? [];
  const kept = stack.filter((level) => level.type === 'STATIC');
  if (kept.length === stack.length) return resource;
  return kept.length === 0 ? withoutReservations(resource) : { ...resource, reservations: kept };
}

/** The dynamically reserved part of a list: what an agent checkpoints and the master tells it to. */
export function dynamicallyReserved(list: readonly Resource[]): Resource[] {
  return list.filter(isDynamicallyReserved);
}

/** The unreserved part of a list. */
export function unreserved(list: readonly Resource[]): Resource[] {
  return list.filter((resource) => (resource.reservations ?? []).length === 0);
}

/** The same amounts with no reservations at all (Mesos `toUnreserved`), for comparing quantities. */
export function toUnreserved(list: readonly Resource[]): Resource[] {
  return addAll([], list.map(withoutReservations));
}

/**
 * Reserved entries grouped by their reservation role (the innermost level), roles sorted, as
 * Mesos lists an agent's `reserved_resources`.
 */
export function reservedByRole(list: readonly Resource[]): Map<string, Resource[]> {
  const byRole = new Map<string, Resource[]>();
  for (const resource of list) {
    if ((resource.reservations ?? []).length === 0) continue;
    const role = reservationRole(resource);
    const group = byRole.get(role);
    if (group) group.push(resource);
    else byRole.set(role, [resource]);
  }
  return new Map([...byRole].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * An agent's total: its `--resources` with its checkpointed dynamic reservations applied (Mesos
 * `applyCheckpointedResources`). Each checkpointed entry takes its amount out of the resources it
 * was reserved from; when those are not there (the flags changed under the reservations), the
 * checkpoint does not fit and the problem is returned instead.
 */
export function applyCheckpointedResources(base: readonly Resource[], checkpointed: readonly Resource[]): { ok: true; total: Resource[] } | { ok: false; error: string } {
  let total = addAll([], unallocated(base));
  for (const resource of unallocated(checkpointed)) {
    if (!isDynamicallyReserved(resource)) return { ok: false, error: `${describe([resource])} is not dynamically reserved` };
    const stripped = withoutDynamicReservations(resource);
    if (!contains(total, [stripped])) {
      return { ok: false, error: `${describe(total)} does not contain ${describe([stripped])}, which ${describe([resource])} was reserved from` };
    }
    total = addAll(subtractAll(total, [stripped]), [resource]);
  }
  return { ok: true, total };
}

/** Scalar totals by name, ignoring reservations and allocation roles. */
export function scalarQuantities(list: readonly Resource[]): Quantities {
  const out: Quantities = new Map();
  for (const resource of list) {
    if (resource.type !== 'SCALAR') continue;
    out.set(resource.name, round((out.get(resource.name) ?? 0) + scalarOf(resource)));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation and formats
// ---------------------------------------------------------------------------------------------

const KNOWN_TYPES: Readonly<Record<string, Resource['type']>> = { cpus: 'SCALAR', mem: 'SCALAR', disk: 'SCALAR', gpus: 'SCALAR', ports: 'RANGES' };

/** Checks a list from a client; returns a message naming the first problem, or null. */
export function validateResources(list: readonly Resource[]): string | null {
  for (const resource of list) {
    const problem = validateEntry(resource);
    if (problem !== null) return problem;
  }
  return null;
}

function validateEntry(resource: Resource): string | null {
  const expected = KNOWN_TYPES[resource.name];
  if (expected && resource.type !== expected) return `'${resource.name}' must be of type ${expected}, not ${resource.type}`;
  switch (resource.type) {
    case 'SCALAR': {
      const value = resource.scalar?.value;
      if (value === undefined) return `'${resource.name}' is SCALAR but has no 'scalar' value`;
      if (!Number.isFinite(value) || value < 0) return `'${resource.name}' has an invalid scalar value ${value}`;
      return null;
    }
    case 'RANGES':
      if (!resource.ranges) return `'${resource.name}' is RANGES but has no 'ranges'`;
      for (const range of resource.ranges.range ?? []) {
        if (range.begin > range.end) return `'${resource.name}' has an inverted range [${range.begin}-${range.end}]`;
      }
      return null;
    case 'SET':
      if (!resource.set) return `'${resource.name}' is SET but has no 'set'`;
      if (hasDuplicates(resource.set.item ?? [])) return `'${resource.name}' has duplicate set items`;
      return null;
    default:
      return `'${resource.name}' has type TEXT, which is not a resource type`;
  }
}

function valueText(resource: Resource): string {
  if (resource.type === 'SCALAR') return String(round(scalarOf(resource)));
  if (resource.type === 'RANGES') return `[${(resource.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  if (resource.type === 'SET') return `{${(resource.set?.item ?? []).join(', ')}}`;
  return '';
}

/** Human-readable text form, as Mesos prints resources: `cpus(role):1; mem:128`. */
export function describe(list: readonly Resource[]): string {
  if (list.length === 0) return '{}';
  return list.map((r) => {
    const role = reservationRole(r);
    return `${r.name}${role === '*' ? '' : `(${role})`}:${valueText(r)}`;
  }).join('; ');
}

/** Clean wire output in the refinement format. */
export function toWire(list: readonly Resource[]): Resource[] {
  return list.map((r) => ({ ...r }));
}

/** Converts to what a framework should see, by its capabilities (Mesos `convertResourceFormat`). */
export function toOfferFormat(list: readonly Resource[], how: { refinement: boolean; allocationInfo: boolean }): Resource[] {
  return list.map((resource) => {
    const out: Resource = how.refinement ? { ...resource } : toPreRefinement(resource);
    return how.allocationInfo ? out : withoutAllocationInfo(out);
  });
}

function toPreRefinement(resource: Resource): Resource {
  const { reservations, ...rest } = resource;
  const top = reservations && reservations.length > 0 ? reservations[reservations.length - 1] : undefined;
  if (!top) return withFields(rest, { role: '*' });
  const reservation = top.type === 'DYNAMIC'
    ? { reservation: { ...(top.principal !== undefined ? { principal: top.principal } : {}), ...(top.labels ? { labels: top.labels } : {}) } }
    : {};
  return withFields(rest, { role: top.role ?? '*', ...reservation });
}

/** Endpoints (/state) show both formats at once, as Mesos does. */
export function toEndpointFormat(list: readonly Resource[]): Resource[] {
  return list.map((resource) => {
    const converted = toPreRefinement(resource);
    return resource.reservations ? withFields(converted, { reservations: resource.reservations }) : converted;
  });
}

/**
 * The reservation fields of an agent in Mesos' JSON endpoints (the master's `/state` and `/slaves`,
 * the agent's `/state`): reserved resources keyed by reservation role (the innermost level), as a
 * summary and in full, and the unreserved ones.
 */
export function reservationFields(total: readonly Resource[]): {
  reserved_resources: Record<string, Record<string, number | string>>;
  unreserved_resources: Record<string, number | string>;
  reserved_resources_full: Record<string, Resource[]>;
  unreserved_resources_full: Resource[];
} {
  const reserved: Record<string, Record<string, number | string>> = {};
  const reservedFull: Record<string, Resource[]> = {};
  for (const [role, resources] of reservedByRole(total)) {
    reserved[role] = summarize(resources);
    reservedFull[role] = toEndpointFormat(resources);
  }
  const notReserved = unreserved(total);
  return {
    reserved_resources: reserved,
    unreserved_resources: summarize(notReserved),
    reserved_resources_full: reservedFull,
    unreserved_resources_full: toEndpointFormat(notReserved),
  };
}

/** The `{cpus, mem, disk, gpus, ports}` summary of Mesos' JSON endpoints. */
export function summarize(list: readonly Resource[]): Record<string, number | string> {
  const out: Record<string, number | string> = { disk: 0, mem: 0, gpus: 0, cpus: 0 };
  const ranges = new Map<string, Range[]>();
  for (const resource of list) {
    if (resource.type === 'SCALAR') {
      out[resource.name] = round(Number(out[resource.name] ?? 0) + scalarOf(resource));
    } else if (resource.type === 'RANGES') {
      const collected = ranges.get(resource.name);
      if (collected) collected.push(...(resource.ranges?.range ?? []));
      else ranges.set(resource.name, [...(resource.ranges?.range ?? [])]);
    }
  }
  for (const [name, range] of ranges) out[name] = `[${mergeRanges(range).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  return out;
}
