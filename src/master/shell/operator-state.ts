/**
 * The master's state as the v1 Operator API gives it (master.proto `Response.GetState`,
 * `GetAgents`, `GetFrameworks`, `GetExecutors`, `GetTasks`, `GetRoles`, `GetMaster`), built from
 * the core's records. Only reads.
 *
 * The JSON follows Mesos' protobuf-to-JSON rules: field names as in the .proto, an empty
 * repeated field left out, times as `TimeInfo` (`{"nanoseconds": ...}`), and resources in the
 * endpoint format (the pre-refinement `role`/`reservation` beside the `reservations` stack).
 *
 * GET_STATE must answer within a second on 20,000 agents and 200,000 tasks, so what several
 * parts need (what each agent and framework uses and is offered) is gathered in one pass over
 * tasks, executors and offers (`ClusterUsage`) instead of per agent.
 */
import type { ExecutorInfo, FrameworkInfo, Offer, Resource, Task } from '../../api/mesos.js';
import { addAll, fromWireFormat, reservationRole, toEndpointFormat, withDefaultAllocationRole } from '../../allocator/resource-math.js';
import { isTerminalTaskState } from '../../api/mesos.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord, OfferRecord } from '../core/state.js';
import type { MasterIdentity } from './state-json.js';

type Json = Record<string, unknown>;

/** Capabilities every Meridian agent has (mesos.proto `AgentInfo.Capability`). */
const AGENT_CAPABILITIES = [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }];

/** A time in milliseconds as a `TimeInfo`. */
export const timeInfo = (ms: number): { nanoseconds: number } => ({ nanoseconds: Math.round(ms * 1e6) });

/** `{[key]: list}` when the list has entries, nothing otherwise: protobuf's JSON leaves empty repeated fields out. */
function repeated<T>(key: string, list: readonly T[]): Record<string, T[]> {
  return list.length > 0 ? { [key]: list as T[] } : {};
}

/** What agents and frameworks use (tasks and executors) and are offered, in the core's format. */
export interface Usage {
  usedOn(agent: AgentRecord): Resource[];
  offeredOn(agentId: AgentId): Resource[];
  usedBy(framework: FrameworkRecord): Resource[];
  offeredTo(framework: FrameworkRecord): Resource[];
}

/**
 * Usage of the whole cluster, gathered in one pass over every task, executor and offer, for the
 * listings of every agent and framework. Lists are kept as parts and merged when asked for.
 */
export class ClusterUsage implements Usage {
  private readonly usedByAgent = new Map<AgentId, Resource[]>();
  private readonly offeredByAgent = new Map<AgentId, Resource[]>();
  private readonly usedByFramework = new Map<FrameworkId, Resource[]>();
  private readonly offeredByFramework = new Map<FrameworkId, Resource[]>();
  /** Tasks counted on each agent, to spot agents that also run tasks of frameworks not yet resubscribed. */
  private readonly tasksByAgent = new Map<AgentId, number>();

  constructor(private readonly core: MasterCore) {
    for (const framework of core.frameworks.values()) {
      for (const record of framework.tasks.values()) {
        this.tasksByAgent.set(record.agentId, (this.tasksByAgent.get(record.agentId) ?? 0) + 1);
        if (isTerminalTaskState(record.task.state)) continue;
        push(this.usedByAgent, record.agentId, record.resources);
        push(this.usedByFramework, framework.id, record.resources);
      }
      for (const [agentId, executors] of framework.executors) {
        for (const executor of executors.values()) {
          const resources = executorResources(framework, executor);
          push(this.usedByAgent, agentId, resources);
          push(this.usedByFramework, framework.id, resources);
        }
      }
    }
    for (const offer of core.offers.values()) {
      push(this.offeredByAgent, offer.agentId, offer.resources);
      push(this.offeredByFramework, offer.frameworkId, offer.resources);
    }
  }

  /** What tasks and executors on the agent use. */
  usedOn(agent: AgentRecord): Resource[] {
    // Tasks of frameworks that have not resubscribed since a master restart are only in the
    // core's own books: ask it for those (rare) agents.
    if ((this.tasksByAgent.get(agent.id) ?? 0) < agent.tasks.size) return this.core.usedResourcesOf(agent.id);
    return addAll([], this.usedByAgent.get(agent.id) ?? []);
  }

  offeredOn(agentId: AgentId): Resource[] {
    return addAll([], this.offeredByAgent.get(agentId) ?? []);
  }

  usedBy(framework: FrameworkRecord): Resource[] {
    return addAll([], this.usedByFramework.get(framework.id) ?? []);
  }

  offeredTo(framework: FrameworkRecord): Resource[] {
    return addAll([], this.offeredByFramework.get(framework.id) ?? []);
  }
}

/** Usage of one agent or framework at a time, read from its own records (events name one). */
export class RecordUsage implements Usage {
  constructor(private readonly core: MasterCore) {}

  usedOn(agent: AgentRecord): Resource[] {
    return this.core.usedResourcesOf(agent.id);
  }

  offeredOn(agentId: AgentId): Resource[] {
    return this.core.offeredResourcesOf(agentId);
  }

  usedBy(framework: FrameworkRecord): Resource[] {
    const parts: Resource[] = [];
    for (const record of framework.tasks.values()) if (!isTerminalTaskState(record.task.state)) parts.push(...record.resources);
    for (const executors of framework.executors.values()) for (const executor of executors.values()) parts.push(...executorResources(framework, executor));
    return addAll([], parts);
  }

  offeredTo(framework: FrameworkRecord): Resource[] {
    const parts: Resource[] = [];
    for (const offerId of framework.offers) parts.push(...(this.core.offers.get(offerId)?.resources ?? []));
    return addAll([], parts);
  }
}

function push<K>(map: Map<K, Resource[]>, key: K, resources: readonly Resource[]): void {
  const parts = map.get(key);
  if (parts) {
    for (const resource of resources) parts.push(resource);
  } else {
    map.set(key, resources.slice());
  }
}

/** An executor's resources with their allocation role, as the core counts them. */
function executorResources(framework: FrameworkRecord, executor: ExecutorInfo): Resource[] {
  return withDefaultAllocationRole(fromWireFormat(executor.resources ?? []), framework.roles[0] ?? '*');
}

// ---------------------------------------------------------------- agents

/** `Response.GetAgents.Agent`. */
export function agentMessage(agent: AgentRecord, usage: Usage): Json {
  const info = agent.info;
  return {
    agent_info: { ...info, ...(info.resources ? { resources: toEndpointFormat(fromWireFormat(info.resources)) } : {}) },
    active: agent.connectionId !== null,
    version: agent.version,
    pid: `slave(1)@${agent.remoteIp}:${info.port ?? 5051}`,
    registered_time: timeInfo(agent.registeredAtMs),
    ...(agent.reregisteredAtMs !== null ? { reregistered_time: timeInfo(agent.reregisteredAtMs) } : {}),
    ...repeated('total_resources', toEndpointFormat(agent.total)),
    ...repeated('allocated_resources', toEndpointFormat(usage.usedOn(agent))),
    ...repeated('offered_resources', toEndpointFormat(usage.offeredOn(agent.id))),
    capabilities: AGENT_CAPABILITIES,
  };
}

/**
 * `Response.GetAgents`: registered agents. `recovered_agents` (agents in the registry that have
 * not reregistered since a failover) is always empty: Meridian's registry does not keep agents.
 */
export function getAgents(core: MasterCore, usage: Usage = new ClusterUsage(core)): Json {
  const agents: Json[] = [];
  for (const agent of core.agents.values()) agents.push(agentMessage(agent, usage));
  return { ...repeated('agents', agents) };
}

// ---------------------------------------------------------------- frameworks

/** FrameworkInfo with the fields whose protobuf defaults Mesos' JSON spells out. */
export function frameworkInfoMessage(info: FrameworkInfo): FrameworkInfo {
  const withRole = info.role === undefined && (info.roles ?? []).length === 0 ? { role: '*' } : {};
  return { failover_timeout: 0, checkpoint: false, ...withRole, ...info };
}

/** An outstanding offer as listed under its framework (mesos.proto `Offer`). */
function offerMessage(offer: OfferRecord, agent: AgentRecord | undefined): Offer {
  const hostname = agent?.info.hostname ?? '';
  return {
    id: { value: offer.id },
    framework_id: { value: offer.frameworkId },
    agent_id: { value: offer.agentId },
    hostname,
    ...(agent ? { url: { scheme: 'http', address: { hostname, ip: agent.remoteIp, port: agent.info.port ?? 5051 }, path: '/slave(1)' } } : {}),
    ...(agent?.info.domain ? { domain: agent.info.domain } : {}),
    allocation_info: { role: offer.role },
    resources: toEndpointFormat(offer.resources),
    ...repeated('attributes', agent?.info.attributes ?? []),
  };
}

/**
 * `Response.GetFrameworks.Framework`. A framework is active and connected while its scheduler is
 * subscribed (Meridian has no other deactivation); a completed one is neither.
 */
export function frameworkMessage(core: MasterCore, framework: FrameworkRecord, usage: Usage | null): Json {
  const connected = usage !== null && framework.connectionId !== null;
  const offers: Offer[] = [];
  if (usage !== null) {
    for (const offerId of framework.offers) {
      const offer = core.offers.get(offerId);
      if (offer) offers.push(offerMessage(offer, core.agents.get(offer.agentId)));
    }
  }
  return {
    framework_info: frameworkInfoMessage(framework.info),
    active: connected,
    connected,
    recovered: false,
    registered_time: timeInfo(framework.registeredAtMs),
    ...(framework.reregisteredAtMs !== null ? { reregistered_time: timeInfo(framework.reregisteredAtMs) } : {}),
    ...(framework.unregisteredAtMs !== null ? { unregistered_time: timeInfo(framework.unregisteredAtMs) } : {}),
    ...repeated('offers', offers),
    ...repeated('allocated_resources', usage ? toEndpointFormat(usage.usedBy(framework)) : []),
    ...repeated('offered_resources', usage ? toEndpointFormat(usage.offeredTo(framework)) : []),
  };
}

/** `Response.GetFrameworks`: subscribed (or failing over) frameworks and the bounded history of removed ones. */
export function getFrameworks(core: MasterCore, usage: Usage = new ClusterUsage(core)): Json {
  const frameworks: Json[] = [];
  for (const framework of core.frameworks.values()) frameworks.push(frameworkMessage(core, framework, usage));
  const completed = core.completedFrameworks.map((framework) => frameworkMessage(core, framework, null));
  return { ...repeated('frameworks', frameworks), ...repeated('completed_frameworks', completed) };
}

// ---------------------------------------------------------------- executors and tasks

/** `Response.GetExecutors`: the executors of subscribed frameworks, with the agent each runs on. */
export function getExecutors(core: MasterCore): Json {
  const executors: Json[] = [];
  for (const framework of core.frameworks.values()) {
    for (const [agentId, byId] of framework.executors) {
      for (const executor of byId.values()) {
        executors.push({ executor_info: { ...executor, ...repeated('resources', toEndpointFormat(executor.resources ?? [])) }, agent_id: { value: agentId } });
      }
    }
  }
  return { ...repeated('executors', executors) };
}

/** A `Task` as the Operator API shows it: resources in the endpoint format. */
export function taskMessage(task: Task): Task {
  return { ...task, resources: toEndpointFormat(task.resources) };
}

/**
 * `Response.GetTasks`: `tasks` are launched and not yet completed (a terminal one stays until the
 * framework acknowledges its last update), `unreachable_tasks` are on unreachable agents, and
 * `completed_tasks` the bounded history, removed frameworks' included. Nothing waits in the master
 * before its launch, so `pending_tasks` is always empty.
 */
export function getTasks(core: MasterCore): Json {
  const tasks: Task[] = [];
  const unreachable: Task[] = [];
  const completed: Task[] = [];
  for (const framework of core.frameworks.values()) {
    for (const record of framework.tasks.values()) tasks.push(taskMessage(record.task));
    for (const record of framework.unreachableTasks.values()) unreachable.push(taskMessage(record.task));
    for (const task of framework.completedTasks) completed.push(taskMessage(task));
  }
  for (const framework of core.completedFrameworks) {
    for (const task of framework.completedTasks) completed.push(taskMessage(task));
  }
  return { ...repeated('tasks', tasks), ...repeated('unreachable_tasks', unreachable), ...repeated('completed_tasks', completed) };
}

/** `Response.GetState`: the four listings above, read at one moment. */
export function getState(core: MasterCore): Json {
  const usage = new ClusterUsage(core);
  return {
    get_tasks: getTasks(core),
    get_executors: getExecutors(core),
    get_frameworks: getFrameworks(core, usage),
    get_agents: getAgents(core, usage),
  };
}

// ---------------------------------------------------------------- roles and the master

/**
 * `Response.GetRoles` (mesos.proto `Role`: name, weight, frameworks, resources): every role that
 * a framework is subscribed to, has a weight or quota set, holds reservations, or has resources
 * allocated or offered, sorted by name. `resources` is what is allocated (used) and offered to
 * the role itself, as Mesos counts it.
 */
export function getRoles(core: MasterCore): Json {
  const names = new Set<string>();
  const frameworksOf = new Map<string, Array<{ value: string }>>();
  for (const framework of core.frameworks.values()) {
    for (const role of framework.roles) {
      names.add(role);
      const list = frameworksOf.get(role);
      if (list) list.push({ value: framework.id });
      else frameworksOf.set(role, [{ value: framework.id }]);
    }
  }
  const weights = new Map(core.weightInfos().map((info) => [info.role, info.weight]));
  for (const role of weights.keys()) names.add(role);
  for (const role of core.quotas().keys()) names.add(role);
  for (const agent of core.agents.values()) {
    for (const resource of agent.total) if (resource.reservations !== undefined) names.add(reservationRole(resource));
  }
  const allocated = new Map<string, Resource[]>();
  const byRole = (resources: readonly Resource[]): void => {
    for (const resource of resources) {
      const role = resource.allocation_info?.role;
      if (role === undefined) continue;
      names.add(role);
      push(allocated, role, [resource]);
    }
  };
  for (const framework of core.frameworks.values()) {
    for (const record of framework.tasks.values()) if (!isTerminalTaskState(record.task.state)) byRole(record.resources);
    for (const executors of framework.executors.values()) for (const executor of executors.values()) byRole(executorResources(framework, executor));
  }
  for (const offer of core.offers.values()) byRole(offer.resources);
  const roles = [...names].sort().map((name) => ({
    name,
    weight: weights.get(name) ?? 1,
    ...repeated('frameworks', frameworksOf.get(name) ?? []),
    ...repeated('resources', toEndpointFormat(addAll([], allocated.get(name) ?? []))),
  }));
  return { ...repeated('roles', roles) };
}

/** `Response.GetMaster`: the MasterInfo frameworks get, and when this master started and was elected (seconds). */
export function getMaster(core: MasterCore, identity: MasterIdentity): Json {
  return { master_info: core.options.masterInfo, start_time: identity.startTimeMs / 1000, elected_time: identity.electedTimeMs / 1000 };
}
