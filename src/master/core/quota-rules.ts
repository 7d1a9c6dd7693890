/**
 * The master's rules for quota (Mesos 1.9+ `QuotaConfig`: per role, `guarantees` and `limits`,
 * maps of a scalar resource name to `{value}`), checked once here for every way a quota comes in:
 * UPDATE_QUOTA, the deprecated SET_QUOTA and `/quota`, and the master's saved file.
 *
 * As in Mesos: only scalar resources; amounts finite and not negative; guarantees within limits;
 * a parent role's guarantees hold the sum of its children's; without `force`, a limit below what a
 * role already consumes is refused, and so are guarantees the cluster cannot hold. Unlike Mesos
 * 1.9, quota on a nested role (`eng/web`) is accepted: the allocator bounds the whole subtree.
 */
import type { Validation } from '../../api/schema.js';
import type { Resource } from '../../api/mesos.js';
import type { QuotaSpec, ResourceAmounts } from '../../allocator/quota.js';
import { reservationRole } from '../../allocator/resource-math.js';
import { isSameOrSubrole, validateRole } from './roles.js';

/** `{cpus: {value: 1}}`: how QuotaConfig's maps carry amounts. */
export type WireAmounts = Record<string, { value: number }>;

export interface QuotaConfig {
  role: string;
  guarantees?: WireAmounts;
  limits?: WireAmounts;
}

/** Resources that are not scalars and so cannot have quota. */
const NOT_SCALAR = new Set(['ports']);

function checkAmounts(amounts: WireAmounts | undefined, at: string): Validation<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, quantity] of Object.entries(amounts ?? {})) {
    if (name.trim() === '' || /[\s/\\]/.test(name)) return { ok: false, error: `${at}: '${name}' is not a resource name` };
    if (NOT_SCALAR.has(name)) return { ok: false, error: `${at}.${name}: quota applies to scalar resources only, and '${name}' is not one` };
    const value = quantity?.value;
    if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, error: `${at}.${name}.value: must be a finite number` };
    if (value < 0) return { ok: false, error: `${at}.${name}.value: must not be negative` };
    out[name] = Math.round(value * 1000) / 1000;
  }
  return { ok: true, value: out };
}

/**
 * Checks each config on its own (role name, amounts, guarantees ≤ limits, no role twice) and
 * returns them as the allocator's specs. `path` names the list in messages.
 */
export function checkQuotaConfigs(configs: readonly QuotaConfig[], path: string): Validation<Array<{ role: string; spec: QuotaSpec }>> {
  const out: Array<{ role: string; spec: QuotaSpec }> = [];
  const seenAt = new Map<string, number>();
  for (const [index, config] of configs.entries()) {
    const at = `${path}[${index}]`;
    const role = config.role.trim();
    const roleProblem = validateRole(role);
    if (roleProblem) return { ok: false, error: `${at}.role: ${roleProblem}` };
    const earlier = seenAt.get(role);
    if (earlier !== undefined) return { ok: false, error: `${at}.role: role '${role}' already has a quota config at ${path}[${earlier}]` };
    seenAt.set(role, index);
    const guarantees = checkAmounts(config.guarantees, `${at}.guarantees`);
    if (!guarantees.ok) return guarantees;
    const limits = checkAmounts(config.limits, `${at}.limits`);
    if (!limits.ok) return limits;
    for (const [name, guarantee] of Object.entries(guarantees.value)) {
      const limit = limits.value[name];
      if (limit !== undefined && guarantee > limit) {
        return { ok: false, error: `${at}: the guarantee of ${name} (${guarantee}) is above its limit (${limit})` };
      }
    }
    out.push({ role, spec: { guarantees: guarantees.value, limits: limits.value } });
  }
  return { ok: true, value: out };
}

/** A spec that says nothing: setting it removes a role's quota. */
export const isEmptySpec = (spec: QuotaSpec): boolean => Object.keys(spec.guarantees).length === 0 && Object.keys(spec.limits).length === 0;

/** The quotas after an update: each config replaces its role's quota; an empty one removes it. */
export function applyQuotaUpdate(current: ReadonlyMap<string, QuotaSpec>, update: ReadonlyArray<{ role: string; spec: QuotaSpec }>): Map<string, QuotaSpec> {
  const next = new Map(current);
  for (const { role, spec } of update) {
    if (isEmptySpec(spec)) next.delete(role);
    else next.set(role, spec);
  }
  return next;
}

const describeAmounts = (amounts: ResourceAmounts): string =>
  Object.keys(amounts).length === 0 ? '{}' : Object.entries(amounts).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => `${name}:${value}`).join('; ');

function sumInto(into: Record<string, number>, amounts: ResourceAmounts): void {
  for (const [name, value] of Object.entries(amounts)) into[name] = Math.round(((into[name] ?? 0) + value) * 1000) / 1000;
}

const holds = (outer: ResourceAmounts, inner: ResourceAmounts): boolean =>
  Object.entries(inner).every(([name, value]) => value <= (outer[name] ?? 0) + 1e-9);

/**
 * A parent's guarantees must hold the sum of its children's (the nearest roles below it with a
 * quota), as Mesos' quota tree requires; null when every role's do.
 */
export function checkQuotaTree(quotas: ReadonlyMap<string, QuotaSpec>): string | null {
  for (const [parent, spec] of quotas) {
    const children: Record<string, number> = {};
    for (const [role, child] of quotas) if (nearestQuotaAncestor(role, quotas) === parent) sumInto(children, child.guarantees);
    if (!holds(spec.guarantees, children)) {
      return `parent role '${parent}' with guarantees (${describeAmounts(spec.guarantees)}) does not hold the sum of its children's guarantees (${describeAmounts(children)})`;
    }
  }
  return null;
}

function nearestQuotaAncestor(role: string, quotas: ReadonlyMap<string, QuotaSpec>): string | null {
  for (let cut = role.lastIndexOf('/'); cut > 0; cut = role.lastIndexOf('/', cut - 1)) {
    const ancestor = role.slice(0, cut);
    if (quotas.has(ancestor)) return ancestor;
  }
  return null;
}

/** Guarantees summed over roles that have no quota'd ancestor (a child's are inside its parent's). */
export function totalGuarantees(quotas: ReadonlyMap<string, QuotaSpec>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const [role, spec] of quotas) if (nearestQuotaAncestor(role, quotas) === null) sumInto(total, spec.guarantees);
  return total;
}

/** Without `force`: the cluster must hold every guarantee. Null when it does. */
export function checkOvercommit(quotas: ReadonlyMap<string, QuotaSpec>, capacity: ResourceAmounts): string | null {
  const guarantees = totalGuarantees(quotas);
  if (holds(capacity, guarantees)) return null;
  return `total quota guarantees '${describeAmounts(guarantees)}' exceed cluster capacity '${describeAmounts(capacity)}' (use 'force' flag to bypass this check)`;
}

/** Without `force`: a new limit may not be below what the role consumes already. Null when it is not. */
export function checkLimitAgainstConsumption(role: string, spec: QuotaSpec, consumed: ResourceAmounts): string | null {
  const over = Object.entries(spec.limits).filter(([name, limit]) => (consumed[name] ?? 0) > limit + 1e-9);
  if (over.length === 0) return null;
  return `role '${role}' is already consuming '${describeAmounts(consumed)}'; this is more than the requested limits '${describeAmounts(spec.limits)}' (use 'force' flag to bypass this check)`;
}

/** A spec as QuotaConfig's wire maps. */
export function toQuotaConfig(role: string, spec: QuotaSpec): QuotaConfig {
  const wire = (amounts: ResourceAmounts): WireAmounts => Object.fromEntries(Object.entries(amounts).map(([name, value]) => [name, { value }]));
  return {
    role,
    ...(Object.keys(spec.guarantees).length > 0 ? { guarantees: wire(spec.guarantees) } : {}),
    ...(Object.keys(spec.limits).length > 0 ? { limits: wire(spec.limits) } : {}),
  };
}

/**
 * GET_QUOTA's `QuotaStatus`, as Mesos answers it: the legacy `infos` (role and guarantee as a
 * list of scalar Resources) and the `configs`, both sorted by role.
 */
export function quotaStatus(quotas: ReadonlyMap<string, QuotaSpec>): { infos?: unknown[]; configs?: QuotaConfig[] } {
  const roles = [...quotas.keys()].sort();
  if (roles.length === 0) return {};
  return {
    infos: roles.map((role) => ({
      role,
      guarantee: Object.entries((quotas.get(role) as QuotaSpec).guarantees).map(([name, value]) => ({ name, type: 'SCALAR', scalar: { value } })),
    })),
    configs: roles.map((role) => toQuotaConfig(role, quotas.get(role) as QuotaSpec)),
  };
}

/** Scalars of a list reserved to `role` or a role below it, by name. */
function reservedWithin(resources: readonly Resource[], role: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || (resource.reservations?.length ?? 0) === 0) continue;
    if (!isSameOrSubrole(reservationRole(resource), role)) continue;
    out[resource.name] = (out[resource.name] ?? 0) + (resource.scalar?.value ?? 0);
  }
  return out;
}

/**
 * Why turning unallocated `from` into `to` (an operator's reservation) would take a role past a
 * quota limit, or null: reservations count towards quota consumption, so one that a role's limit
 * cannot hold is refused rather than leaving the role over its limit.
 */
export function reservationOverLimit(
  quotas: ReadonlyMap<string, QuotaSpec>, consumed: (role: string) => ResourceAmounts, from: readonly Resource[], to: readonly Resource[],
): string | null {
  for (const [role, spec] of quotas) {
    const before = reservedWithin(from, role);
    const after = reservedWithin(to, role);
    let consumedNow: ResourceAmounts | null = null;
    for (const [name, amount] of Object.entries(after)) {
      const growth = amount - (before[name] ?? 0);
      const limit = spec.limits[name];
      if (limit === undefined || growth <= 0) continue;
      consumedNow ??= consumed(role);
      const now = consumedNow[name] ?? 0;
      if (Math.round((now + growth) * 1000) / 1000 > limit) {
        return `Reserving ${growth} ${name} for '${role}' would exceed its quota limit: it consumes ${now} of ${limit}`;
      }
    }
  }
  return null;
}
