/**
 * Resource arithmetic over Mesos `Resource[]` lists as the master and the allocator need it.
 * Internally every list is in the refinement format (a `reservations` stack, no `role` or
 * `reservation`), so two entries are the same resource exactly when their names, types,
 * reservations, allocation role, disk, revocable, shared and provider match. Scalars are
 * fixed-point to 0.001, as in Mesos.
 */
import type { Range, Resource } from '../common/resources/wire.js';

export type Quantities = Map<string, number>;

const SCALAR_PRECISION = 1000;
const round = (value: number): number => Math.round(value * SCALAR_PRECISION) / SCALAR_PRECISION;

/** What makes two entries addable into one. */
function identity(resource: Resource): string {
  return JSON.stringify([
    resource.name,
    resource.type,
    resource.reservations ?? [],
    resource.allocation_info?.role ?? null,
    resource.disk ?? null,
    resource.revocable !== undefined,
    resource.shared !== undefined,
    resource.provider_id?.value ?? null,
  ]);
}

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
  return { ...rest, reservations: [level] };
}

function withoutReservations(resource: Resource): Resource {
  const { reservations: _dropped, ...rest } = resource;
  return rest;
}

/** Normalises a list from the wire (either format), merging entries that are the same resource. */
export function fromWireFormat(list: readonly Resource[]): Resource[] {
  return addAll([], list.map(normalize));
}

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

function subtractRanges(from: readonly Range[], take: readonly Range[]): Range[] {
  let out = mergeRanges(from);
  for (const cut of mergeRanges(take)) {
    const next: Range[] = [];
    for (const range of out) {
      if (cut.end < range.begin || cut.begin > range.end) {
        next.push(range);
        continue;
      }
      if (cut.begin > range.begin) next.push({ begin: range.begin, end: cut.begin - 1 });
      if (cut.end < range.end) next.push({ begin: cut.end + 1, end: range.end });
    }
    out = next;
  }
  return out;
}

function rangesContain(outer: readonly Range[], inner: readonly Range[]): boolean {
  const merged = mergeRanges(outer);
  return mergeRanges(inner).every((r) => merged.some((o) => o.begin <= r.begin && r.end <= o.end));
}

function combine(a: Resource, b: Resource, sign: 1 | -1): Resource {
  switch (a.type) {
    case 'SCALAR':
      return { ...a, scalar: { value: round((a.scalar?.value ?? 0) + sign * (b.scalar?.value ?? 0)) } };
    case 'RANGES': {
      const left = a.ranges?.range ?? [];
      const right = b.ranges?.range ?? [];
      return { ...a, ranges: { range: sign > 0 ? mergeRanges([...left, ...right]) : subtractRanges(left, right) } };
    }
    case 'SET': {
      const right = new Set(b.set?.item ?? []);
      const items = sign > 0 ? [...new Set([...(a.set?.item ?? []), ...right])] : (a.set?.item ?? []).filter((i) => !right.has(i));
      return { ...a, set: { item: items } };
    }
    default:
      return a;
  }
}

function isEmptyEntry(resource: Resource): boolean {
  switch (resource.type) {
    case 'SCALAR': return (resource.scalar?.value ?? 0) <= 0;
    case 'RANGES': return (resource.ranges?.range ?? []).length === 0;
    case 'SET': return (resource.set?.item ?? []).length === 0;
    default: return true;
  }
}

/** a + b, merging entries that are the same resource. */
export function addAll(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const byIdentity = new Map<string, Resource>();
  for (const resource of [...a, ...b]) {
    const key = identity(resource);
    const existing = byIdentity.get(key);
    byIdentity.set(key, existing ? combine(existing, resource, 1) : combine({ ...resource, ...emptyValue(resource) }, resource, 1));
  }
  return [...byIdentity.values()].filter((r) => !isEmptyEntry(r));
}

function emptyValue(resource: Resource): Partial<Resource> {
  if (resource.type === 'SCALAR') return { scalar: { value: 0 } };
  if (resource.type === 'RANGES') return { ranges: { range: [] } };
  if (resource.type === 'SET') return { set: { item: [] } };
  return {};
}

/** a − b; entries of b that a lacks are ignored, and nothing goes below zero. */
export function subtractAll(a: readonly Resource[], b: readonly Resource[]): Resource[] {
  const byIdentity = new Map<string, Resource>();
  for (const resource of addAll([], a)) byIdentity.set(identity(resource), resource);
  for (const resource of b) {
    const key = identity(resource);
    const existing = byIdentity.get(key);
    if (existing) byIdentity.set(key, combine(existing, resource, -1));
  }
  return [...byIdentity.values()].filter((r) => !isEmptyEntry(r));
}

/** True when `a` holds everything in `b`. */
export function contains(a: readonly Resource[], b: readonly Resource[]): boolean {
  const byIdentity = new Map<string, Resource>();
  for (const resource of addAll([], a)) byIdentity.set(identity(resource), resource);
  for (const needed of addAll([], b)) {
    const have = byIdentity.get(identity(needed));
    if (!have) return false;
    if (needed.type === 'SCALAR' && round((have.scalar?.value ?? 0) - (needed.scalar?.value ?? 0)) < 0) return false;
    if (needed.type === 'RANGES' && !rangesContain(have.ranges?.range ?? [], needed.ranges?.range ?? [])) return false;
    if (needed.type === 'SET' && !(needed.set?.item ?? []).every((i) => (have.set?.item ?? []).includes(i))) return false;
  }
  return true;
}

export const isEmpty = (list: readonly Resource[]): boolean => list.every(isEmptyEntry);

/** Drops allocation info (what an agent's total looks like). */
export function unallocated(list: readonly Resource[]): Resource[] {
  return addAll([], list.map(({ allocation_info: _dropped, ...rest }) => rest));
}

export function withAllocationRole(list: readonly Resource[], role: string): Resource[] {
  return list.map((r) => ({ ...r, allocation_info: { role } }));
}

/** Sets the allocation role where a resource has none (input from clients that predate MULTI_ROLE). */
export function withDefaultAllocationRole(list: readonly Resource[], role: string): Resource[] {
  return list.map((r) => (r.allocation_info?.role !== undefined ? r : { ...r, allocation_info: { role } }));
}

/** Groups resources by their allocation role. */
export function allocatedTo(list: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const resource of list) {
    const role = resource.allocation_info?.role ?? '*';
    const group = out.get(role) ?? [];
    group.push(resource);
    out.set(role, group);
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

export function scalarQuantities(list: readonly Resource[]): Quantities {
  const out: Quantities = new Map();
  for (const resource of list) {
    if (resource.type !== 'SCALAR') continue;
    out.set(resource.name, round((out.get(resource.name) ?? 0) + (resource.scalar?.value ?? 0)));
  }
  return out;
}

const KNOWN_TYPES: Readonly<Record<string, Resource['type']>> = { cpus: 'SCALAR', mem: 'SCALAR', disk: 'SCALAR', gpus: 'SCALAR', ports: 'RANGES' };

/** Checks a list from a client; returns a message naming the first problem, or null. */
export function validateResources(list: readonly Resource[]): string | null {
  for (const resource of list) {
    const expected = KNOWN_TYPES[resource.name];
    if (expected && resource.type !== expected) return `'${resource.name}' must be of type ${expected}, not ${resource.type}`;
    if (resource.type === 'SCALAR') {
      const value = resource.scalar?.value;
      if (value === undefined) return `'${resource.name}' is SCALAR but has no 'scalar' value`;
      if (!Number.isFinite(value) || value < 0) return `'${resource.name}' has an invalid scalar value ${value}`;
    } else if (resource.type === 'RANGES') {
      if (!resource.ranges) return `'${resource.name}' is RANGES but has no 'ranges'`;
      for (const range of resource.ranges.range ?? []) {
        if (range.begin > range.end) return `'${resource.name}' has an inverted range [${range.begin}-${range.end}]`;
      }
    } else if (resource.type === 'SET') {
      if (!resource.set) return `'${resource.name}' is SET but has no 'set'`;
      if (new Set(resource.set.item ?? []).size !== (resource.set.item ?? []).length) return `'${resource.name}' has duplicate set items`;
    } else {
      return `'${resource.name}' has type TEXT, which is not a resource type`;
    }
  }
  return null;
}

function valueText(resource: Resource): string {
  if (resource.type === 'SCALAR') return String(round(resource.scalar?.value ?? 0));
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
    let out: Resource = how.refinement ? { ...resource } : toPreRefinement(resource);
    if (!how.allocationInfo) {
      const { allocation_info: _dropped, ...rest } = out;
      out = rest;
    }
    return out;
  });
}

function toPreRefinement(resource: Resource): Resource {
  const { reservations, ...rest } = resource;
  const top = reservations && reservations.length > 0 ? reservations[reservations.length - 1] : undefined;
  if (!top) return { ...rest, role: '*' };
  const reservation = top.type === 'DYNAMIC'
    ? { reservation: { ...(top.principal !== undefined ? { principal: top.principal } : {}), ...(top.labels ? { labels: top.labels } : {}) } }
    : {};
  return { ...rest, role: top.role ?? '*', ...reservation };
}

/** Endpoints (/state) show both formats at once, as Mesos does. */
export function toEndpointFormat(list: readonly Resource[]): Resource[] {
  return list.map((resource) => ({ ...toPreRefinement(resource), ...(resource.reservations ? { reservations: resource.reservations } : {}) }));
}

/** The `{cpus, mem, disk, gpus, ports}` summary of Mesos' JSON endpoints. */
export function summarize(list: readonly Resource[]): Record<string, number | string> {
  const out: Record<string, number | string> = { disk: 0, mem: 0, gpus: 0, cpus: 0 };
  const ranges = new Map<string, Range[]>();
  for (const resource of list) {
    if (resource.type === 'SCALAR') out[resource.name] = round(Number(out[resource.name] ?? 0) + (resource.scalar?.value ?? 0));
    else if (resource.type === 'RANGES') ranges.set(resource.name, [...(ranges.get(resource.name) ?? []), ...(resource.ranges?.range ?? [])]);
  }
  for (const [name, range] of ranges) out[name] = `[${mergeRanges(range).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  return out;
}
