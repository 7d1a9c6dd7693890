/**
 * The master's legacy JSON endpoints (`/master/state`, `/master/slaves`) in the shape Mesos gives
 * them, so dashboards and scripts written for Mesos read Meridian unchanged. Resources appear twice
 * as in Mesos: as a `{cpus, mem, disk, gpus, ports}` summary and in full (`*_full`).
 */
import type { Task, TaskStatus } from '../../api/mesos.js';
import { reservationFields, summarize, toEndpointFormat } from '../../allocator/resource-math.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { RoleAllocationBrief } from '../core/allocation-explain.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord, OfferRecord } from '../core/state.js';

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

export function attributesObject(record: AgentRecord): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const attribute of record.info.attributes ?? []) {
    if (attribute.type === 'SCALAR') out[attribute.name] = attribute.scalar?.value ?? 0;
    else if (attribute.type === 'TEXT') out[attribute.name] = attribute.text?.value ?? '';
    else if (attribute.type === 'RANGES') out[attribute.name] = `[${(attribute.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    else out[attribute.name] = `{${(attribute.set?.item ?? []).join(', ')}}`;
  }
  return out;
}

export function agentJson(core: MasterCore, agent: AgentRecord): Record<string, unknown> {
  const used = core.usedResourcesOf(agent.id);
  const offered = core.offeredResourcesOf(agent.id);
  const reservations = reservationFields(agent.total);
  const ip = agent.remoteIp;
  return {
    id: agent.id,
    pid: `slave(1)@${ip}:${agent.info.port ?? 5051}`,
    hostname: agent.info.hostname,
    port: agent.info.port ?? 5051,
    registered_time: seconds(agent.registeredAtMs),
    ...(agent.reregisteredAtMs !== null ? { reregistered_time: seconds(agent.reregisteredAtMs) } : {}),
    resources: summarize(agent.total),
    used_resources: summarize(used),
    offered_resources: summarize(offered),
    reserved_resources: reservations.reserved_resources,
    unreserved_resources: reservations.unreserved_resources,
    attributes: attributesObject(agent),
    active: agent.connectionId !== null,
    deactivated: false,
    version: agent.version,
    capabilities: ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT'],
    reserved_resources_full: reservations.reserved_resources_full,
    unreserved_resources_full: reservations.unreserved_resources_full,
    used_resources_full: toEndpointFormat(used),
    offered_resources_full: toEndpointFormat(offered),
    ...(agent.info.domain ? { domain: agent.info.domain } : {}),
  };
}

function statusJson(status: TaskStatus): Record<string, unknown> {
  return {
    state: status.state,
    timestamp: status.timestamp ?? 0,
    ...(status.healthy !== undefined ? { healthy: status.healthy } : {}),
    ...(status.container_status !== undefined ? { container_status: status.container_status } : {}),
    ...(status.labels ? { labels: status.labels.labels ?? [] } : {}),
  };
}

export function taskJson(task: Task, role: string | undefined): Record<string, unknown> {
  return {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? '',
    slave_id: task.agent_id.value,
    state: task.state,
    resources: summarize(task.resources),
    ...(role !== undefined ? { role } : {}),
    statuses: task.statuses.map(statusJson),
    ...(task.labels ? { labels: task.labels.labels ?? [] } : {}),
    ...(task.discovery !== undefined ? { discovery: task.discovery } : {}),
    ...(task.container !== undefined ? { container: task.container } : {}),
    ...(task.user !== undefined ? { user: task.user } : {}),
  };
}

function offerJson(offer: OfferRecord): Record<string, unknown> {
  return {
    id: offer.id,
    framework_id: offer.frameworkId,
    slave_id: offer.agentId,
    resources: summarize(offer.resources),
    allocation_info: { role: offer.role },
  };
}

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
interface AllocationContext {
  nowMs: number;
  agentsTotal: number;
}

function frameworkJson(core: MasterCore, framework: FrameworkRecord, active: boolean, allocation: AllocationContext | null): Record<string, unknown> {
  const info = framework.info;
  const role = framework.roles[0];
  const tasks = [...framework.tasks.values()];
  const used = tasks.reduce((sum, record) => sum.concat(record.task.state.startsWith('TASK_') && !record.resourcesRecovered ? record.resources : []), [] as Task['resources']);
  const offers = [...framework.offers].map((id) => core.offers.get(id)).filter((o): o is OfferRecord => o !== undefined);
  const offered = offers.flatMap((o) => o.resources);
  return {
    id: framework.id,
    name: info.name,
    pid: '',
    used_resources: summarize(used),
    offered_resources: summarize(offered),
    capabilities: [...framework.capabilities],
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: active && framework.connectionId !== null,
    connected: framework.connectionId !== null,
    recovered: false,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    ...(framework.capabilities.has('MULTI_ROLE') ? { roles: framework.roles } : { role: role ?? '*' }),
    registered_time: seconds(framework.registeredAtMs),
    unregistered_time: framework.unregisteredAtMs !== null ? seconds(framework.unregisteredAtMs) : 0,
    ...(framework.reregisteredAtMs !== null ? { reregistered_time: seconds(framework.reregisteredAtMs) } : {}),
    ...(info.principal !== undefined ? { principal: info.principal } : {}),
    resources: summarize(used),
    used_resources_full: toEndpointFormat(used),
    offered_resources_full: toEndpointFormat(offered),
    tasks: tasks.map((record) => taskJson(record.task, record.resources[0]?.allocation_info?.role)),
    unreachable_tasks: [...framework.unreachableTasks.values()].map((record) => taskJson(record.task, record.resources[0]?.allocation_info?.role)),
    completed_tasks: framework.completedTasks.map((task) => taskJson(task, task.resources[0]?.allocation_info?.role)),
    offers: offers.map(offerJson),
    executors: [...framework.executors.entries()].flatMap(([agentId, executors]) =>
      [...executors.values()].map((executor) => ({
        executor_id: executor.executor_id.value,
        name: executor.name ?? '',
        framework_id: framework.id,
        command: executor.command ?? {},
        resources: summarize(executor.resources ?? []),
        slave_id: agentId as AgentId,
        ...(executor.type ? { type: executor.type } : {}),
      })),
    ),
    ...(allocation !== null ? {
      allocation: Object.fromEntries([...core.allocationBriefs(framework.id, allocation.nowMs, allocation.agentsTotal)].map(([role, brief]) => [role, allocationBriefJson(brief)])),
    } : {}),
  };
}

export function masterStateJson(core: MasterCore, identity: MasterIdentity, nowMs: number): Record<string, unknown> {
  const agents = [...core.agents.values()];
  const allocation = { nowMs, agentsTotal: agents.filter((a) => a.connectionId !== null).length };
  return {
    version: identity.version,
    build_date: identity.buildDate,
    build_time: seconds(identity.startTimeMs),
    build_user: 'meridian',
    start_time: seconds(identity.startTimeMs),
    elected_time: seconds(identity.electedTimeMs),
    id: core.masterId,
    pid: identity.pid,
    hostname: identity.hostname,
    activated_slaves: agents.filter((a) => a.connectionId !== null).length,
    deactivated_slaves: agents.filter((a) => a.connectionId === null).length,
    unreachable_slaves: core.unreachableAgents.size,
    leader: identity.pid,
    leader_info: core.options.masterInfo,
    flags: identity.flags,
    slaves: agents.map((agent) => agentJson(core, agent)),
    recovered_slaves: [],
    frameworks: [...core.frameworks.values()].map((framework) => frameworkJson(core, framework, true, allocation)),
    completed_frameworks: core.completedFrameworks.map((framework) => frameworkJson(core, framework, false, null)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

/** `/master/frameworks` as Mesos answers it: every framework, or only `frameworkId` when given. */
export function masterFrameworksJson(core: MasterCore, nowMs: number, frameworkId?: string): Record<string, unknown> {
  let agentsTotal = 0;
  for (const agent of core.agents.values()) if (agent.connectionId !== null) agentsTotal++;
  const live = frameworkId === undefined ? [...core.frameworks.values()] : [core.frameworks.get(frameworkId as FrameworkId)].filter((f) => f !== undefined);
  const completed = core.completedFrameworks.filter((f) => frameworkId === undefined || f.id === frameworkId);
  return {
    frameworks: live.map((framework) => frameworkJson(core, framework, true, { nowMs, agentsTotal })),
    completed_frameworks: completed.map((framework) => frameworkJson(core, framework, false, null)),
    unregistered_frameworks: [],
  };
}

export function masterSlavesJson(core: MasterCore): Record<string, unknown> {
  return {
    slaves: [...core.agents.values()].map((agent) => agentJson(core, agent)),
    recovered_slaves: [],
  };
}
