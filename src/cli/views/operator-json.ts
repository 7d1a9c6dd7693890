/**
 * The parts of the master's v1 Operator API answers (master.proto `Response.GetState` and its
 * pieces, `GetRoles`, `GetQuota`) that the CLI views read, as plain JSON types. Only types and a
 * few pure helpers live here: the views must not load the wire validators (TypeBox), which would
 * cost every `meridian agents` a good part of a second at start.
 */
import type { TaskState } from '../../api/mesos.js';

export interface IdJson {
  value: string;
}

/** A resource in the endpoint format; the views read scalars only. */
export interface ResourceJson {
  name: string;
  type?: string;
  scalar?: { value: number };
  allocation_info?: { role: string };
}

export interface AgentJson {
  agent_info: { id?: IdJson; hostname: string; port?: number };
  active: boolean;
  total_resources?: ResourceJson[];
  allocated_resources?: ResourceJson[];
  offered_resources?: ResourceJson[];
}

export interface FrameworkJson {
  framework_info: { id?: IdJson; name: string; user?: string; role?: string; roles?: string[] };
  active: boolean;
  allocated_resources?: ResourceJson[];
  offered_resources?: ResourceJson[];
}

export interface TaskJson {
  name: string;
  task_id: IdJson;
  framework_id: IdJson;
  agent_id?: IdJson;
  executor_id?: IdJson;
  state: TaskState;
  resources?: ResourceJson[];
  statuses?: Array<{ state: TaskState; executor_id?: IdJson }>;
}

export interface GetTasksJson {
  tasks?: TaskJson[];
  unreachable_tasks?: TaskJson[];
  completed_tasks?: TaskJson[];
}

export interface GetFrameworksJson {
  frameworks?: FrameworkJson[];
  completed_frameworks?: FrameworkJson[];
}

export interface GetAgentsJson {
  agents?: AgentJson[];
}

/** `Response.GetState`: every listing read at one moment. */
export interface GetStateJson {
  get_tasks?: GetTasksJson;
  get_frameworks?: GetFrameworksJson;
  get_agents?: GetAgentsJson;
}

export interface RoleJson {
  name: string;
  weight?: number;
  frameworks?: IdJson[];
  resources?: ResourceJson[];
}

export interface GetRolesJson {
  roles?: RoleJson[];
}

/** `quota.QuotaConfig`: amounts by resource name. */
export interface QuotaConfigJson {
  role: string;
  guarantees?: Record<string, { value: number }>;
  limits?: Record<string, { value: number }>;
}

export interface GetQuotaJson {
  status?: { configs?: QuotaConfigJson[] };
}

/** Scalar amounts by resource name. */
export type Amounts = Record<string, number>;

/**
 * The scalar amounts of a resource list, summed by name over every reservation and role, in
 * Mesos' fixed-point thousandths so 0.1 + 0.2 adds up to 0.3.
 */
export function scalarAmounts(resources: readonly ResourceJson[] | undefined): Amounts {
  const milli: Amounts = {};
  for (const resource of resources ?? []) {
    if (resource.scalar === undefined) continue;
    milli[resource.name] = (milli[resource.name] ?? 0) + Math.round(resource.scalar.value * 1000);
  }
  const amounts: Amounts = {};
  for (const [name, value] of Object.entries(milli)) amounts[name] = value / 1000;
  return amounts;
}

/** Adds `more` into `into`, in thousandths. */
export function addAmounts(into: Amounts, more: Amounts): Amounts {
  for (const [name, value] of Object.entries(more)) into[name] = Math.round(((into[name] ?? 0) + value) * 1000) / 1000;
  return into;
}

export const amountOf = (amounts: Amounts, name: string): number => amounts[name] ?? 0;

/** A framework's roles: `roles` for MULTI_ROLE frameworks, else the old single `role` (default `*`). */
export function rolesOf(framework: FrameworkJson): string[] {
  const { roles, role } = framework.framework_info;
  if (roles !== undefined && roles.length > 0) return roles;
  return [role ?? '*'];
}

export const agentIdOf = (agent: AgentJson): string => agent.agent_info.id?.value ?? '';
export const frameworkIdOf = (framework: FrameworkJson): string => framework.framework_info.id?.value ?? '';
