/**
 * Resource arithmetic for display: Mesos resource lists (one entry per name, role and
 * reservation) folded into one amount per name. Sums are kept in thousandths, as Mesos' fixed
 * point is, so 0.1 + 0.2 shows as 0.3.
 */
import type { Attribute, Resource } from './wire.js';

/** Amounts per resource name: scalars as their value, ranges and sets as their count of members. */
export type ResourceAmounts = Record<string, number>;

/** The names shown first, in this order; others follow by name. */
export const MAIN_RESOURCES = ['cpus', 'mem', 'disk', 'gpus', 'ports'] as const;

const MILLI = 1000;

function amountMilli(resource: Resource): number {
  if (resource.scalar) return Math.round(resource.scalar.value * MILLI);
  if (resource.ranges) return (resource.ranges.range ?? []).reduce((sum, range) => sum + (range.end - range.begin + 1), 0) * MILLI;
  if (resource.set) return (resource.set.item ?? []).length * MILLI;
  return 0;
}

/** Adds every entry of `resources` into `into` (in thousandths); used to total many lists without copies. */
export function addResourcesMilli(into: Map<string, number>, resources: readonly Resource[] | undefined): void {
  for (const resource of resources ?? []) into.set(resource.name, (into.get(resource.name) ?? 0) + amountMilli(resource));
}

/** The totals kept by `addResourcesMilli`, back in units. */
export function fromMilli(totals: ReadonlyMap<string, number>): ResourceAmounts {
  const out: ResourceAmounts = {};
  for (const [name, milli] of totals) out[name] = milli / MILLI;
  return out;
}

/** One amount per resource name. Called for every task of a snapshot, so it builds one plain object and nothing else. */
export function sumResources(resources: readonly Resource[] | undefined): ResourceAmounts {
  const out: ResourceAmounts = {};
  if (resources === undefined) return out;
  for (const resource of resources) out[resource.name] = (out[resource.name] ?? 0) + amountMilli(resource);
  for (const name in out) out[name] = (out[name] as number) / MILLI;
  return out;
}

/** Names present in any of the amounts, main ones first. */
export function resourceNames(...amounts: readonly ResourceAmounts[]): string[] {
  const names = new Set<string>();
  for (const amount of amounts) for (const name of Object.keys(amount)) names.add(name);
  const main = MAIN_RESOURCES.filter((name) => names.has(name));
  const rest = [...names].filter((name) => !(MAIN_RESOURCES as readonly string[]).includes(name)).sort();
  return [...main, ...rest];
}

/** An amount as people read it: memory and disk in MB/GB, others as a number with at most 3 decimals. */
export function formatAmount(name: string, value: number): string {
  if (name === 'mem' || name === 'disk') {
    if (value >= 1024 * 1024) return `${trim(value / (1024 * 1024))} TB`;
    if (value >= 1024) return `${trim(value / 1024)} GB`;
    return `${trim(value)} MB`;
  }
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The roles a resource list is reserved for (Mesos' reservation stack, or the pre-refinement `role`), '*' if none. */
export function reservationRole(resource: Resource): string {
  const stack = resource.reservations ?? [];
  const last = stack[stack.length - 1];
  if (last?.role !== undefined) return last.role;
  return resource.role ?? '*';
}

/** An attribute's value as text, as the Mesos UI prints it. */
export function attributeText(attribute: Attribute): string {
  if (attribute.text) return attribute.text.value;
  if (attribute.scalar) return String(attribute.scalar.value);
  if (attribute.ranges) return `[${(attribute.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
  if (attribute.set) return `{${(attribute.set.item ?? []).join(', ')}}`;
  return '';
}
