/**
 * `meridian roles`: one row per role the master knows (subscribed to, weighted, with quota,
 * holding reservations or resources), with its weight, its frameworks, what is allocated to it
 * and offered to it, and its quota. Pure: GET_ROLES, GET_QUOTA and GET_FRAMEWORKS in, rows and
 * lines out.
 */
import {
  addAmounts, amountOf, scalarAmounts, type Amounts, type GetFrameworksJson, type GetQuotaJson, type GetRolesJson, type ResourceJson,
} from './operator-json.js';
import { compareText, formatAmount, formatScalar, renderTable, type Column } from './table.js';

/** One role, as `--json` prints it. */
export interface RoleRow {
  role: string;
  weight: number;
  /** Ids of the subscribed frameworks in the role. */
  frameworks: string[];
  /** Allocated to the role itself (tasks and executors of its frameworks), not to its subroles. */
  allocated: Amounts;
  offered: Amounts;
  /** Quota limits and guarantees by resource name; null when the role has no quota. */
  quota: { limits: Amounts; guarantees: Amounts } | null;
}

/** Amounts of the resources in `resources` whose allocation role is `role`, added into `into`. */
function addForRole(into: Map<string, Amounts>, resources: readonly ResourceJson[] | undefined): void {
  const byRole = new Map<string, ResourceJson[]>();
  for (const resource of resources ?? []) {
    const role = resource.allocation_info?.role;
    if (role === undefined) continue;
    byRole.set(role, [...(byRole.get(role) ?? []), resource]);
  }
  for (const [role, list] of byRole) into.set(role, addAmounts(into.get(role) ?? {}, scalarAmounts(list)));
}

const amountsOf = (wire: Record<string, { value: number }> | undefined): Amounts =>
  Object.fromEntries(Object.entries(wire ?? {}).map(([name, amount]) => [name, amount.value]));

/** Rows for every role, sorted by name; a role with quota but nothing else still gets a row. */
export function roleRows(roles: GetRolesJson, quota: GetQuotaJson, frameworks: GetFrameworksJson): RoleRow[] {
  const allocated = new Map<string, Amounts>();
  const offered = new Map<string, Amounts>();
  for (const framework of frameworks.frameworks ?? []) {
    addForRole(allocated, framework.allocated_resources);
    addForRole(offered, framework.offered_resources);
  }
  const quotas = new Map((quota.status?.configs ?? []).map((config) => [config.role, config]));
  const rows = new Map<string, RoleRow>();
  const rowOf = (name: string, weight: number, frameworkIds: string[]): RoleRow => {
    const config = quotas.get(name);
    return {
      role: name,
      weight,
      frameworks: frameworkIds,
      allocated: allocated.get(name) ?? {},
      offered: offered.get(name) ?? {},
      quota: config ? { limits: amountsOf(config.limits), guarantees: amountsOf(config.guarantees) } : null,
    };
  };
  for (const role of roles.roles ?? []) {
    rows.set(role.name, rowOf(role.name, role.weight ?? 1, (role.frameworks ?? []).map((id) => id.value).sort(compareText)));
  }
  for (const name of quotas.keys()) if (!rows.has(name)) rows.set(name, rowOf(name, 1, []));
  return [...rows.values()].sort((a, b) => compareText(a.role, b.role));
}

/** Quota limits as `cpus 4, mem 1 GB`, by resource name; `-` without limits. */
export function formatLimits(limits: Amounts): string {
  const names = Object.keys(limits).sort(compareText);
  if (names.length === 0) return '-';
  return names.map((name) => `${name} ${formatAmount(name, limits[name] as number)}`).join(', ');
}

/** The roles table. */
export function renderRoles(rows: readonly RoleRow[]): string[] {
  const withGpus = rows.some((row) => amountOf(row.allocated, 'gpus') > 0);
  const resources = withGpus ? ['cpus', 'mem', 'gpus'] : ['cpus', 'mem'];
  const columns: Column[] = [
    { heading: 'ROLE' }, { heading: 'WEIGHT', align: 'right' }, { heading: 'FRAMEWORKS', align: 'right' },
    ...resources.map((name): Column => ({ heading: name.toUpperCase(), align: 'right' })),
    { heading: 'QUOTA LIMIT' },
  ];
  return renderTable(columns, rows.map((row) => [
    row.role, formatScalar(row.weight), String(row.frameworks.length),
    ...resources.map((name) => formatAmount(name, amountOf(row.allocated, name))),
    row.quota ? formatLimits(row.quota.limits) : '-',
  ]));
}
