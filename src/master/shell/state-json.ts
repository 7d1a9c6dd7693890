/**
 * The master's legacy JSON endpoints in the shape Mesos gives them (`/master/state`,
 * `/master/state-summary`, `/master/frameworks`, `/master/slaves`, `/master/tasks`,
 * `/master/roles`, `/master/flags`), so dashboards and scripts written for Mesos read Meridian
 * unchanged. Resources appear twice as in Mesos: as a `{cpus, mem, disk, gpus, ports}` summary and
 * in full (`*_full`).
 *
 * The builders here say what each object holds, as plain objects: they are the definition.
 * MasterStateWriter (state-writer.ts) writes the same bytes faster from cached text, and tests
 * hold it to `JSON.stringify` of these builders.
 */
import type { AgentInfo, ExecutorInfo, Resource, Task } from '../../api/mesos.js';
import { addAll, fromWireFormat, reservationFields, summarize, toEndpointFormat, withDefaultAllocationRole } from '../../allocator/resource-math.js';
import type { FlagSpec, FlagValues } from '../../common/flags.js';
import { formatDuration } from '../../common/flags.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { RoleAllocationBrief } from '../core/allocation-explain.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord, OfferRecord, TaskRecord } from '../core/state.js';
import { versionJson } from './version.js';
import { completedTaskRole, taskJson } from '../../api/v0-json.js';

export interface MasterIdentity {
  version: string;
  buildDate: string;
  startTimeMs: number;
  electedTimeMs: number;
  pid: string;
  hostname: string;
  flags: Record<string, string>;
}

const seconds = (ms: number): number => ms / 1000;

/** Flags as Mesos prints them: every flag that has a value, durations in Mesos' units (`1secs`). */
export function flagTexts(specs: readonly FlagSpec[], values: FlagValues): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined) continue;
    texts[spec.name] = spec.kind === 'duration' && typeof value === 'number' ? formatDuration(value) : String(value);
  }
  return texts;
}

// ---------------------------------------------------------------- agents

export function attributesObject(record: { info: AgentInfo }): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const attribute of record.info.attributes ?? []) {
    if (attribute.type === 'SCALAR') out[attribute.name] = attribute.scalar?.value ?? 0;
    else if (attribute.type === 'TEXT') out[attribute.name] = attribute.text?.value ?? '';
    else if (attribute.type === 'RANGES') out[attribute.name] = `[${(attribute.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else out[attribute.name] = `{${(attribute.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

/**
 * An agent recovered from the registry that has not reregistered, as Mesos' v0 endpoints list it
 * under `recovered_slaves`: its SlaveInfo only (id, hostname, port, attributes, domain).
 */
export function recoveredAgentJson(agentId: AgentId, info: AgentInfo): Record<string, unknown> {
  return {
    id: agentId,
    hostname: info.hostname,
    port: info.port ?? 5051,
    attributes: attributesObject({ info }),
    ...(info.domain ? { domain: info.domain } : {}),
  };
}

/** `recovered_slaves` of `/master/state` and `/master/slaves` (only `agentId`'s when given). */
export function recoveredAgentsJson(core: MasterCore, agentId?: string): Array<Record<string, unknown>> {
  return [...core.recoveredAgents].filter(([id]) => agentId === undefined || id === agentId).map(([id, info]) => recoveredAgentJson(id, info));
}

/** What is in use on an agent and what is offered of it. */
export interface AgentUsage {
  used: Resource[];
  offered: Resource[];
}

const AGENT_CAPABILITIES = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'];

/** An agent's summary fields of what its tasks and executors use. */
export function agentUsedSummary(used: readonly Resource[]): Record<string, unknown> {
  return { used_resources: summarize(used) };
}

/** An agent's summary fields of what it has on offer. */
export function agentOfferedSummary(offered: readonly Resource[]): Record<string, unknown> {
  return { offered_resources: summarize(offered) };
}

/** An agent as `/master/state-summary` shows it (Mesos' `SlaveWriter`). */
export function agentSummaryJson(agent: AgentRecord, usage: AgentUsage): Record<string, unknown> {
  const reservations = reservationFields(agent.total);
  return {
    id: agent.id,
    hostname: agent.info.hostname,
    port: agent.info.port ?? 5051,
    attributes: attributesObject(agent),
    ...(agent.info.domain ? { domain: agent.info.domain } : {}),
    pid: `slave(1)@${agent.remoteIp}:${agent.info.port ?? 5051}`,
    registered_time: seconds(agent.registeredAtMs),
    ...(agent.reregisteredAtMs !== null ? { reregistered_time: seconds(agent.reregisteredAtMs) } : {}),
    resources: summarize(agent.total),
    ...agentUsedSummary(usage.used),
    ...agentOfferedSummary(usage.offered),
    reserved_resources: reservations.reserved_resources,
    unreserved_resources: reservations.unreserved_resources,
    active: agent.connectionId !== null,
    deactivated: false,
    version: agent.version,
    capabilities: AGENT_CAPABILITIES,
  };
}

/** An agent's fields, in full, of what its tasks and executors use. */
export function agentUsedFull(used: readonly Resource[]): Record<string, unknown> {
  return { used_resources_full: toEndpointFormat(used) };
}

/** An agent's fields, in full, of what it has on offer. */
export function agentOfferedFull(offered: readonly Resource[]): Record<string, unknown> {
  return { offered_resources_full: toEndpointFormat(offered) };
}

/** An agent as `/master/state` and `/master/slaves` show it: the summary and every resource in full. */
export function agentJson(core: MasterCore, agent: AgentRecord, usage: AgentUsage = agentUsage(core, agent)): Record<string, unknown> {
  const reservations = reservationFields(agent.total);
  return {
    ...agentSummaryJson(agent, usage),
    reserved_resources_full: reservations.reserved_resources_full,
    unreserved_resources_full: reservations.unreserved_resources_full,
    ...agentUsedFull(usage.used),
    ...agentOfferedFull(usage.offered),
  };
}

export function agentUsage(core: MasterCore, agent: AgentRecord): AgentUsage {
  return { used: core.usedResourcesOf(agent.id), offered: core.offeredResourcesOf(agent.id) };
}

// ---------------------------------------------------------------- tasks, offers, executors

// Tasks are written by src/api/v0-json.ts, which the agent's /state shares.

export const liveTaskRole = (record: TaskRecord): string | undefined => record.resources[0]?.allocation_info?.role;

export function offerJson(offer: OfferRecord): Record<string, unknown> {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    slave_id: offer.agentId,
    resources: summarize(offer.resources),
    allocation_info: { role: offer.role },
  };
}

/** An executor's resources with their allocation role (set at launch; otherwise the framework's first role), as the core counts them. */
export function executorResources(framework: FrameworkRecord, executor: ExecutorInfo): Resource[] {
  return withDefaultAllocationRole(fromWireFormat(executor.resources ?? []), framework.roles[0] ?? '*');
}

export function executorJson(framework: FrameworkRecord, agentId: AgentId, executor: ExecutorInfo): Record<string, unknown> {
  const role = executorResources(framework, executor)[0]?.allocation_info?.role;
  return {
    executor_id: executor.executor_id.value,
    name: executor.name ?? '',
    framework_id: framework.id,
    command: executor.command ?? {},
    resources: summarize(executor.resources ?? []),
    ...(role !== undefined && (executor.resources ?? []).length > 0 ? { role } : {}),
    ...(executor.labels ? { labels: executor.labels.labels ?? [] } : {}),
    ...(executor.type ? { type: executor.type } : {}),
    slave_id: agentId,
  };
}

export function* executorsOf(framework: FrameworkRecord): Generator<[AgentId, ExecutorInfo]> {
  for (const [agentId, executors] of framework.executors) for (const executor of executors.values()) yield [agentId, executor];
}

// ---------------------------------------------------------------- frameworks

/**
 * A framework's `allocation` field: per role, why it gets what it gets, in brief. It must stay cheap
 * (this is in /master/state for every framework), so it never walks the agents; the full
 * breakdown is `GET /master/frameworks/<id>/allocation`.
 */
export function allocationBriefJson(brief: RoleAllocationBrief): Record<string, unknown> {
  return {
    summary: brief.summary,
    offered_last_run: brief.offeredLastRun,
    suppressed: brief.suppressed,
    at_quota_limit: brief.atQuotaLimit,
    filtered_agents: brief.filteredAgents,
  };
}

/** What a live framework's `allocation` field is computed with: the time, and the active agents counted once per request. */
export interface AllocationContext {
  nowMs: number;
  agentsTotal: number;
}

/** A framework's `allocation` field; `taskRoles` are the roles of its tasks when the caller knows them. */
export function allocationJson(core: MasterCore, framework: FrameworkRecord, allocation: AllocationContext, taskRoles?: Iterable<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [role, brief] of core.allocationBriefs(framework.id, allocation.nowMs, allocation.agentsTotal, taskRoles)) out[role] = allocationBriefJson(brief);
  return out;
}

/** Resources a framework's tasks (until given back) and executors use, and what it is offered. */
export function frameworkUsage(core: MasterCore, framework: FrameworkRecord): AgentUsage {
  return { used: frameworkUsed(framework), offered: frameworkOffered(core, framework) };
}

/** What a framework's tasks (until their resources are given back) and executors use. */
export function frameworkUsed(framework: FrameworkRecord): Resource[] {
  const used: Resource[] = [];
  for (const record of framework.tasks.values()) if (!record.resourcesRecovered) used.push(...record.resources);
  for (const [, executor] of executorsOf(framework)) used.push(...executorResources(framework, executor));
  return addAll([], used);
}

/** What a framework is offered now. */
export function frameworkOffered(core: MasterCore, framework: FrameworkRecord): Resource[] {
  const offered: Resource[] = [];
  for (const offerId of framework.offers) offered.push(...(core.offers.get(offerId)?.resources ?? []));
  return addAll([], offered);
}

/** The fields a framework has in `/master/state-summary` (Mesos' `Summary<Framework>`). */
export function frameworkSummaryJson(framework: FrameworkRecord, active: boolean, usage: AgentUsage): Record<string, unknown> {
  const info = framework.info;
  return {
    id: framework.id,
    name: info.name,
    used_resources: summarize(usage.used),
    offered_resources: summarize(usage.offered),
    capabilities: [...framework.capabilities],
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: active && framework.connectionId !== null,
    connected: framework.connectionId !== null,
    recovered: false,
  };
}

/** Every field of a framework in `/master/state` before its tasks. */
export function frameworkHeaderJson(core: MasterCore, framework: FrameworkRecord, active: boolean, usage = frameworkUsage(core, framework)): Record<string, unknown> {
  const info = framework.info;
  return {
    ...frameworkSummaryJson(framework, active, usage),
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: seconds(framework.registeredAtMs),
    unregistered_time: framework.unregisteredAtMs !== null ? seconds(framework.unregisteredAtMs) : 0,
    ...(info.principal !== undefined ? { principal: info.principal } : {}),
    resources: summarize(addAll(usage.used, usage.offered)),
    ...(framework.reregisteredAtMs !== null ? { reregistered_time: seconds(framework.reregisteredAtMs) } : {}),
    ...(framework.capabilities.has('MULTI_ROLE') ? { roles: framework.roles } : { role: framework.roles[0] ?? '*' }),
    used_resources_full: toEndpointFormat(usage.used),
    offered_resources_full: toEndpointFormat(usage.offered),
  };
}

export function frameworkOffers(core: MasterCore, framework: FrameworkRecord): OfferRecord[] {
  const offers: OfferRecord[] = [];
  for (const offerId of framework.offers) {
    const offer = core.offers.get(offerId);
    if (offer) offers.push(offer);
  }
  return offers;
}

function frameworkJson(core: MasterCore, framework: FrameworkRecord, active: boolean, allocation: AllocationContext | null): Record<string, unknown> {
  return {
    ...frameworkHeaderJson(core, framework, active),
    tasks: [...framework.tasks.values()].map((record) => taskJson(record.task, liveTaskRole(record))),
    unreachable_tasks: [...framework.unreachableTasks.values()].map((record) => taskJson(record.task, liveTaskRole(record))),
    completed_tasks: framework.completedTasks.map((task) => taskJson(task, completedTaskRole(task))),
    offers: frameworkOffers(core, framework).map(offerJson),
    executors: [...executorsOf(framework)].map(([agentId, executor]) => executorJson(framework, agentId, executor)),
    ...(framework.info.labels ? { labels: framework.info.labels.labels ?? [] } : {}),
    ...(allocation !== null ? { allocation: allocationJson(core, framework, allocation) } : {}),
  };
}

// ---------------------------------------------------------------- the whole state, as objects

export function activeAgents(core: MasterCore): number {
  let active = 0;
  for (const agent of core.agents.values()) if (agent.connectionId !== null) active++;
  return active;
}

/** The fields of `/master/state` before its agents. */
export function stateHeaderJson(core: MasterCore, identity: MasterIdentity): Record<string, unknown> {
  const build = versionJson();
  const masterInfo = core.options.masterInfo;
  const activated = activeAgents(core);
  return {
    version: identity.version,
    build_date: build.build_date,
    build_time: build.build_time,
    build_user: build.build_user,
    start_time: seconds(identity.startTimeMs),
    elected_time: seconds(identity.electedTimeMs),
    id: core.masterId,
    pid: identity.pid,
    hostname: identity.hostname,
    capabilities: masterInfo.capabilities ?? [],
    activated_slaves: activated,
    deactivated_slaves: core.agents.size - activated,
    unreachable_slaves: core.unreachableAgents.size,
    ...(masterInfo.domain ? { domain: masterInfo.domain } : {}),
    leader: identity.pid,
    leader_info: masterInfo,
    flags: identity.flags,
  };
}

/** `/master/state`, built as plain objects: the definition of what MasterStateWriter writes faster. */
export function masterStateJson(core: MasterCore, identity: MasterIdentity, nowMs: number): Record<string, unknown> {
  const allocation = { nowMs, agentsTotal: activeAgents(core) };
  return {
    ...stateHeaderJson(core, identity),
    slaves: [...core.agents.values()].map((agent) => agentJson(core, agent)),
    recovered_slaves: recoveredAgentsJson(core),
    frameworks: [...core.frameworks.values()].map((framework) => frameworkJson(core, framework, true, allocation)),
    completed_frameworks: core.completedFrameworks.map((framework) => frameworkJson(core, framework, false, null)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

/** `/master/frameworks` as Mesos answers it: every framework, or only `frameworkId` when given. */
export function masterFrameworksJson(core: MasterCore, nowMs: number, frameworkId?: string): Record<string, unknown> {
  const allocation = { nowMs, agentsTotal: activeAgents(core) };
  const live = [...core.frameworks.values()].filter((f) => frameworkId === undefined || f.id === frameworkId);
  const completed = core.completedFrameworks.filter((f) => frameworkId === undefined || f.id === frameworkId);
  return {
    frameworks: live.map((framework) => frameworkJson(core, framework, true, allocation)),
    completed_frameworks: completed.map((framework) => frameworkJson(core, framework, false, null)),
    unregistered_frameworks: [],
  };
}

/** `/master/slaves`: every agent, or only `agentId` when given. */
export function masterSlavesJson(core: MasterCore, agentId?: string): Record<string, unknown> {
  return {
    slaves: [...core.agents.values()].filter((agent) => agentId === undefined || agent.id === agentId).map((agent) => agentJson(core, agent)),
    recovered_slaves: recoveredAgentsJson(core, agentId),
  };
}

// ---------------------------------------------------------------- state-summary, tasks, roles

const SUMMARY_TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_KILLED', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_UNREACHABLE',
] as const;

type TaskCounts = Record<(typeof SUMMARY_TASK_STATES)[number], number>;

const noTasks = (): TaskCounts => Object.fromEntries(SUMMARY_TASK_STATES.map((state) => [state, 0])) as TaskCounts;

function* frameworkTasks(framework: FrameworkRecord): Generator<Task> {
  for (const record of framework.tasks.values()) yield record.task;
  for (const record of framework.unreachableTasks.values()) yield record.task;
  yield* framework.completedTasks;
}

/**
 * `/master/state-summary`: every agent and live framework without tasks, each with how many of its
 * tasks (live, unreachable and completed) are in each state, and which frameworks run on which
 * agents.
 */
export function masterStateSummaryJson(
  core: MasterCore,
  identity: MasterIdentity,
  cached: { agent?: (agent: AgentRecord) => Record<string, unknown>; frameworkUsage?: (framework: FrameworkRecord) => AgentUsage } = {},
): Record<string, unknown> {
  const countsByAgent = new Map<string, TaskCounts>();
  const countsByFramework = new Map<string, TaskCounts>();
  const frameworksByAgent = new Map<string, Set<string>>();
  const agentsByFramework = new Map<string, Set<string>>();
  for (const framework of core.frameworks.values()) {
    const frameworkCounts = noTasks();
    countsByFramework.set(framework.id, frameworkCounts);
    const agents = new Set<string>();
    agentsByFramework.set(framework.id, agents);
    for (const task of frameworkTasks(framework)) {
      const agentId = task.agent_id.value;
      agents.add(agentId);
      let frameworks = frameworksByAgent.get(agentId);
      if (!frameworks) frameworksByAgent.set(agentId, (frameworks = new Set()));
      frameworks.add(framework.id);
      if (!(task.state in frameworkCounts)) continue;
      const state = task.state as keyof TaskCounts;
      frameworkCounts[state]++;
      let agentCounts = countsByAgent.get(agentId);
      if (!agentCounts) countsByAgent.set(agentId, (agentCounts = noTasks()));
      agentCounts[state]++;
    }
  }
  const agentBase = cached.agent ?? ((agent: AgentRecord) => agentSummaryJson(agent, agentUsage(core, agent)));
  const usageOf = cached.frameworkUsage ?? ((framework: FrameworkRecord) => frameworkUsage(core, framework));
  return {
    hostname: identity.hostname,
    slaves: [...core.agents.values()].map((agent) => ({
      ...agentBase(agent),
      ...(countsByAgent.get(agent.id) ?? noTasks()),
      framework_ids: [...(frameworksByAgent.get(agent.id) ?? [])],
    })),
    frameworks: [...core.frameworks.values()].map((framework) => ({
      ...frameworkSummaryJson(framework, true, usageOf(framework)),
      ...(countsByFramework.get(framework.id) ?? noTasks()),
      slave_ids: [...(agentsByFramework.get(framework.id) ?? [])],
    })),
  };
}

/** The query of `/master/tasks`, already checked. */
export interface TasksQuery {
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  frameworkId?: string;
  taskId?: string;
}

/** Mesos' default page of `/master/tasks`. */
export const TASKS_LIMIT_DEFAULT = 100;

const firstTimestamp = (task: Task): number | null => (task.statuses.length === 0 ? null : (task.statuses[0]?.timestamp ?? 0));

/**
 * Orders tasks as Mesos' `/tasks` does: by the timestamp of their first status; tasks without a
 * status come first in ascending order and last in descending order. Ties keep their order.
 */
function compareTasks(order: 'asc' | 'desc'): (a: Task, b: Task) => number {
  return (a, b) => {
    const ta = firstTimestamp(a);
    const tb = firstTimestamp(b);
    if (ta === null || tb === null) {
      if (ta === tb) return 0;
      return (ta === null ? -1 : 1) * (order === 'asc' ? 1 : -1);
    }
    return order === 'asc' ? ta - tb : tb - ta;
  };
}

/** `/master/tasks`: tasks of live and completed frameworks (live, unreachable, completed), sorted, one page of them. */
export function masterTasksJson(core: MasterCore, query: TasksQuery, text: (task: Task, role: string | undefined) => unknown = taskJson): Record<string, unknown> {
  const picked: Array<{ task: Task; role: string | undefined }> = [];
  for (const framework of [...core.frameworks.values(), ...core.completedFrameworks]) {
    if (query.frameworkId !== undefined && framework.id !== query.frameworkId) continue;
    const keep = (task: Task) => query.taskId === undefined || task.task_id.value === query.taskId;
    for (const record of framework.tasks.values()) if (keep(record.task)) picked.push({ task: record.task, role: liveTaskRole(record) });
    for (const record of framework.unreachableTasks.values()) if (keep(record.task)) picked.push({ task: record.task, role: liveTaskRole(record) });
    for (const task of framework.completedTasks) if (keep(task)) picked.push({ task, role: completedTaskRole(task) });
  }
  const compare = compareTasks(query.order);
  picked.sort((a, b) => compare(a.task, b.task));
  return { tasks: picked.slice(query.offset, query.offset + query.limit).map(({ task, role }) => text(task, role)) };
}

/**
 * `/master/roles`: every role with a weight or quota set, frameworks subscribed to it, or resources
 * allocated or offered in it; each with its weight (1 unless set), quota, what is allocated and
 * offered in it, and its frameworks. Sorted by name.
 */
export function masterRolesJson(core: MasterCore): Record<string, unknown> {
  const weights = new Map(core.weightInfos().map((info) => [info.role, info.weight]));
  const quotas = core.quotas();
  const frameworksByRole = new Map<string, Set<string>>();
  const resourcesByRole = new Map<string, Resource[]>();
  const holds = (role: string, frameworkId: FrameworkId, resources: readonly Resource[]) => {
    let frameworks = frameworksByRole.get(role);
    if (!frameworks) frameworksByRole.set(role, (frameworks = new Set()));
    frameworks.add(frameworkId);
    let list = resourcesByRole.get(role);
    if (!list) resourcesByRole.set(role, (list = []));
    list.push(...resources);
  };
  for (const framework of core.frameworks.values()) {
    for (const role of framework.roles) holds(role, framework.id, []);
    for (const record of framework.tasks.values()) {
      const role = liveTaskRole(record);
      if (role !== undefined && !record.resourcesRecovered) holds(role, framework.id, record.resources);
    }
    for (const [, executor] of executorsOf(framework)) {
      const resources = executorResources(framework, executor);
      const role = resources[0]?.allocation_info?.role;
      if (role !== undefined) holds(role, framework.id, resources);
    }
    for (const offer of frameworkOffers(core, framework)) holds(offer.role, framework.id, offer.resources);
  }
  const names = new Set([...weights.keys(), ...quotas.keys(), ...frameworksByRole.keys()]);
  return {
    roles: [...names].sort().map((name) => {
      const quota = quotas.get(name);
      return {
        name,
        weight: weights.get(name) ?? 1,
        ...(quota ? { quota: { role: name, guarantee: { ...quota.guarantees }, limit: { ...quota.limits } } } : {}),
        resources: summarize(addAll([], resourcesByRole.get(name) ?? [])),
        frameworks: [...(frameworksByRole.get(name) ?? [])].sort(),
      };
    }),
  };
}

/** A query string as Fastify parses it: a parameter given twice is an array. */
export type QueryParams = Readonly<Record<string, string | readonly string[] | undefined>>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A parameter given at most once: its value, or an error naming it. */
export function singleParam(query: QueryParams, name: string): Parsed<string | undefined> {
  const value = query[name];
  if (typeof value === 'string' || value === undefined) return { ok: true, value };
  return { ok: false, error: `Invalid '${name}': it may be given only once` };
}

function countParam(query: QueryParams, name: string, fallback: number): Parsed<number> {
  const given = singleParam(query, name);
  if (!given.ok) return given;
  if (given.value === undefined) return { ok: true, value: fallback };
  const value = Number(given.value);
  if (!/^\d+$/.test(given.value) || !Number.isSafeInteger(value)) {
    return { ok: false, error: `Invalid '${name}': '${given.value}' is not a non-negative integer` };
  }
  return { ok: true, value };
}

/** Checks the query of `/master/tasks`: `limit` (default 100) and `offset` non-negative integers, `order` asc or desc (default desc). */
export function parseTasksQuery(query: QueryParams): Parsed<TasksQuery> {
  const limit = countParam(query, 'limit', TASKS_LIMIT_DEFAULT);
  if (!limit.ok) return limit;
  const offset = countParam(query, 'offset', 0);
  if (!offset.ok) return offset;
  const order = singleParam(query, 'order');
  if (!order.ok) return order;
  if (order.value !== undefined && order.value !== 'asc' && order.value !== 'desc') {
    return { ok: false, error: `Invalid 'order': '${order.value}' is neither 'asc' nor 'desc'` };
  }
  const frameworkId = singleParam(query, 'framework_id');
  if (!frameworkId.ok) return frameworkId;
  const taskId = singleParam(query, 'task_id');
  if (!taskId.ok) return taskId;
  return {
    ok: true,
    value: {
      limit: limit.value,
      offset: offset.value,
      order: order.value ?? 'desc',
      ...(frameworkId.value !== undefined ? { frameworkId: frameworkId.value } : {}),
      ...(taskId.value !== undefined ? { taskId: taskId.value } : {}),
    },
  };
}
