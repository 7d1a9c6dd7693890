/**
 * What the state writers (v0 in state-writer.ts, v1 in operator-state.ts) need to tell, cheaply
 * and per agent, whether what an agent uses changed since its text was written — without a walk
 * over every task of the cluster on each request.
 *
 * An agent's usage is made of its tasks and its executors. The writers already check every task
 * list on each answer (that is how they keep task texts); when a list is rewritten, the agents
 * whose tasks in it were added, removed or changed get their task version bumped
 * (`AgentTaskVersions`). An agent's text then depends on that version, its task count and its
 * executors, all compared by identity (`Dependencies`).
 */
import type { ExecutorInfo, Resource } from '../../api/mesos.js';
import type { AgentId, FrameworkId, TaskId } from '../../common/ids.js';
import { isTerminalTaskState } from '../../api/mesos.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord } from '../core/state.js';
import { executorsOf } from './state-json.js';

/**
 * Compares what something is made of now with what it was made of when last written, in one pass
 * and without a new list while nothing differs.
 */
export class Dependencies {
  private index = 0;
  private fresh: unknown[] | null;

  constructor(private readonly previous: readonly unknown[] | undefined) {
    this.fresh = previous === undefined ? [] : null;
  }

  see(value: unknown): void {
    if (this.fresh === null) {
      if ((this.previous as readonly unknown[])[this.index] === value) {
        this.index++;
        return;
      }
      this.fresh = (this.previous as readonly unknown[]).slice(0, this.index);
    }
    this.fresh.push(value);
  }

  /** Null when nothing differs; otherwise the list to remember. */
  changed(): unknown[] | null {
    if (this.fresh !== null) return this.fresh;
    const previous = this.previous as readonly unknown[];
    return this.index === previous.length ? null : previous.slice(0, this.index);
  }
}

/** Per agent, a count bumped whenever a rewritten task list shows one of its tasks added, removed or changed. */
export class AgentTaskVersions {
  private readonly versions = new Map<AgentId, number>();

  of(agentId: AgentId): number {
    return this.versions.get(agentId) ?? 0;
  }

  bump(agentId: AgentId): void {
    this.versions.set(agentId, (this.versions.get(agentId) ?? 0) + 1);
  }

  /** Forgets agents the core no longer has. */
  prune(core: MasterCore): void {
    for (const agentId of this.versions.keys()) if (!core.agents.has(agentId)) this.versions.delete(agentId);
  }
}

/**
 * What agents' usage is made of besides their task lists, gathered once per answer: the executors
 * on each (in the core's order of frameworks), and the agents that run tasks the frameworks' lists
 * do not show (reported for a framework not back after a failover), whose usage is counted anew
 * every time. Those are looked for only when the counts disagree.
 */
export interface AgentSources {
  executors: Map<AgentId, Array<[FrameworkRecord, ExecutorInfo]>>;
  unlisted: Set<AgentId>;
}

export function agentSources(core: MasterCore): AgentSources {
  const executors = new Map<AgentId, Array<[FrameworkRecord, ExecutorInfo]>>();
  let listed = 0;
  for (const framework of core.frameworks.values()) {
    listed += framework.tasks.size;
    for (const [agentId, executor] of executorsOf(framework)) {
      const list = executors.get(agentId);
      if (list) list.push([framework, executor]);
      else executors.set(agentId, [[framework, executor]]);
    }
  }
  let onAgents = 0;
  for (const agent of core.agents.values()) onAgents += agent.tasks.size;
  const unlisted = new Set<AgentId>();
  if (onAgents !== listed) {
    const counts = new Map<AgentId, number>();
    for (const framework of core.frameworks.values()) {
      for (const record of framework.tasks.values()) counts.set(record.agentId, (counts.get(record.agentId) ?? 0) + 1);
    }
    for (const agent of core.agents.values()) if ((counts.get(agent.id) ?? 0) !== agent.tasks.size) unlisted.add(agent.id);
  }
  return { executors, unlisted };
}

/** Records what an agent's usage is made of (see the file's header) into `dependencies`. */
export function seeAgentUsage(dependencies: Dependencies, agent: AgentRecord, versions: AgentTaskVersions, sources: AgentSources): void {
  dependencies.see(agent.tasks.size);
  dependencies.see(versions.of(agent.id));
  // A new object every time: an unlisted agent's usage is never taken as unchanged.
  if (sources.unlisted.has(agent.id)) dependencies.see({});
  for (const [framework, executor] of sources.executors.get(agent.id) ?? []) {
    dependencies.see(framework.roles);
    dependencies.see(executor);
  }
}

/**
 * The resource lists an agent's tasks and executors use, as `MasterCore.usedResourcesOf` counts
 * them (the same parts in the same order) without its walk over every framework for executors;
 * null when one of its tasks is only in the core's own books (ask the core then).
 */
export function agentUsedLists(
  core: MasterCore, agent: AgentRecord, sources: AgentSources, executorResources: (framework: FrameworkRecord, executor: ExecutorInfo) => Resource[],
): Array<readonly Resource[]> | null {
  if (sources.unlisted.has(agent.id)) return null;
  const lists: Array<readonly Resource[]> = [];
  for (const key of agent.tasks) {
    const space = key.indexOf(' ');
    const framework = core.frameworks.get(key.slice(0, space) as FrameworkId);
    const taskId = key.slice(space + 1) as TaskId;
    const record = framework?.tasks.get(taskId) ?? framework?.unreachableTasks.get(taskId);
    if (!record) return null;
    if (!isTerminalTaskState(record.task.state)) lists.push(record.resources);
  }
  for (const [framework, executor] of sources.executors.get(agent.id) ?? []) lists.push(executorResources(framework, executor));
  return lists;
}

/** What an agent's text was made of, in three parts: its own record, what it uses, what it is offered. */
export interface AgentParts {
  record: unknown[];
  usedBy: unknown[];
  offeredBy: unknown[];
}

/**
 * Which parts of an agent's text changed since `kept` was made (null for one that did not): its
 * record (the core replaces its info and total rather than editing them), its usage (see
 * `seeAgentUsage`), its offers' resources. Both writers cut an agent's text the same way.
 */
export function changedAgentParts(
  core: MasterCore, agent: AgentRecord, kept: AgentParts | undefined, versions: AgentTaskVersions, sources: AgentSources,
): { record: unknown[] | null; usedBy: unknown[] | null; offeredBy: unknown[] | null } {
  const record = new Dependencies(kept?.record);
  record.see(agent.info);
  record.see(agent.total);
  record.see(agent.version);
  record.see(agent.remoteIp);
  record.see(agent.connectionId !== null);
  record.see(agent.registeredAtMs);
  record.see(agent.reregisteredAtMs);
  const usedBy = new Dependencies(kept?.usedBy);
  seeAgentUsage(usedBy, agent, versions, sources);
  const offeredBy = new Dependencies(kept?.offeredBy);
  for (const offerId of agent.offers) offeredBy.see(core.offers.get(offerId)?.resources);
  return { record: record.changed(), usedBy: usedBy.changed(), offeredBy: offeredBy.changed() };
}
