/**
 * `meridian tasks`: one row per task, filtered by state, framework and agent. By default the
 * tasks the master tracks as live (launched and not yet completed, or on unreachable agents);
 * with `all`, or when states are asked for, the master's bounded history of completed tasks too.
 * Pure: GET_STATE and the filter in, rows and lines out.
 */
import type { TaskState } from '../../api/mesos.js';
import {
  agentIdOf, amountOf, frameworkIdOf, scalarAmounts, type AgentJson, type Amounts, type FrameworkJson, type GetStateJson, type TaskJson,
} from './operator-json.js';
import { compareText, formatAmount, renderTable, type Column } from './table.js';

/** What `meridian tasks` was asked to show; null means no filter. */
export interface TaskFilter {
  states: ReadonlySet<TaskState> | null;
  /** A framework's id or name. */
  framework: string | null;
  /** An agent's id, hostname, or hostname:port. */
  agent: string | null;
  /** Include completed tasks. */
  all: boolean;
}

/** One task, as `--json` prints it. */
export interface TaskRow {
  id: string;
  name: string;
  state: TaskState;
  framework_id: string;
  /** The framework's name, or its id when the master no longer knows it. */
  framework: string;
  agent_id: string;
  /** The agent's hostname (with the port when agents share a hostname), or its id when it is not registered. */
  agent: string;
  resources: Amounts;
}

export type TaskRowsResult = { ok: true; rows: TaskRow[] } | { ok: false; flag: '--framework' | '--agent'; message: string };

/**
 * The rows the filter selects, sorted by task id. A `--framework` or `--agent` that names no
 * framework or agent the master knows is an answer of its own (most likely a typing error), not
 * an empty table.
 */
export function taskRows(state: GetStateJson, filter: TaskFilter): TaskRowsResult {
  const frameworks = [...(state.get_frameworks?.frameworks ?? []), ...(state.get_frameworks?.completed_frameworks ?? [])];
  const agents = state.get_agents?.agents ?? [];
  const tasks = state.get_tasks ?? {};
  const listed = [...(tasks.tasks ?? []), ...(tasks.unreachable_tasks ?? [])];
  if (filter.all || filter.states !== null) listed.push(...(tasks.completed_tasks ?? []));

  let frameworkIds: Set<string> | null = null;
  if (filter.framework !== null) {
    frameworkIds = matchingFrameworks(frameworks, listed, filter.framework);
    if (frameworkIds.size === 0) return { ok: false, flag: '--framework', message: `no framework has the id or name '${filter.framework}'` };
  }
  let agentIds: Set<string> | null = null;
  if (filter.agent !== null) {
    agentIds = matchingAgents(agents, listed, filter.agent);
    if (agentIds.size === 0) return { ok: false, flag: '--agent', message: `no agent has the id, hostname or address '${filter.agent}'` };
  }

  const frameworkNames = new Map(frameworks.map((framework) => [frameworkIdOf(framework), framework.framework_info.name]));
  const agentLabels = agentLabelsOf(agents);
  const rows = listed
    .filter((task) => filter.states === null || filter.states.has(task.state))
    .filter((task) => frameworkIds === null || frameworkIds.has(task.framework_id.value))
    .filter((task) => agentIds === null || agentIds.has(task.agent_id?.value ?? ''))
    .map((task): TaskRow => {
      const agentId = task.agent_id?.value ?? '';
      return {
        id: task.task_id.value,
        name: task.name,
        state: task.state,
        framework_id: task.framework_id.value,
        framework: frameworkNames.get(task.framework_id.value) ?? task.framework_id.value,
        agent_id: agentId,
        agent: agentLabels.get(agentId) ?? agentId,
        resources: scalarAmounts(task.resources),
      };
    })
    .sort((a, b) => compareText(a.id, b.id) || compareText(a.framework_id, b.framework_id));
  return { ok: true, rows };
}

/** Frameworks whose id or name is `wanted`; a task's framework id counts even when the framework is gone. */
function matchingFrameworks(frameworks: readonly FrameworkJson[], tasks: readonly TaskJson[], wanted: string): Set<string> {
  const ids = new Set<string>();
  for (const framework of frameworks) {
    if (frameworkIdOf(framework) === wanted || framework.framework_info.name === wanted) ids.add(frameworkIdOf(framework));
  }
  if (tasks.some((task) => task.framework_id.value === wanted)) ids.add(wanted);
  return ids;
}

/** Agents whose id, hostname or hostname:port is `wanted`; a task's agent id counts even when the agent is gone. */
function matchingAgents(agents: readonly AgentJson[], tasks: readonly TaskJson[], wanted: string): Set<string> {
  const ids = new Set<string>();
  for (const agent of agents) {
    const { hostname, port } = agent.agent_info;
    if (agentIdOf(agent) === wanted || hostname === wanted || `${hostname}:${port ?? 5051}` === wanted) ids.add(agentIdOf(agent));
  }
  if (tasks.some((task) => task.agent_id?.value === wanted)) ids.add(wanted);
  return ids;
}

/** How each agent is named in the table: its hostname, with the port when several agents share the hostname. */
export function agentLabelsOf(agents: readonly AgentJson[]): Map<string, string> {
  const perHostname = new Map<string, number>();
  for (const agent of agents) perHostname.set(agent.agent_info.hostname, (perHostname.get(agent.agent_info.hostname) ?? 0) + 1);
  return new Map(agents.map((agent) => {
    const { hostname, port } = agent.agent_info;
    const shared = (perHostname.get(hostname) ?? 0) > 1;
    return [agentIdOf(agent), shared ? `${hostname}:${port ?? 5051}` : hostname];
  }));
}

export interface TaskTableOptions {
  /** Add the framework and agent ids, which the default table names by framework name and agent hostname. */
  wide: boolean;
}

/** The tasks table. Task ids are never shortened: they are what `meridian logs` takes. */
export function renderTasks(rows: readonly TaskRow[], options: TaskTableOptions): string[] {
  const withGpus = rows.some((row) => amountOf(row.resources, 'gpus') > 0);
  const resources = withGpus ? ['cpus', 'mem', 'gpus'] : ['cpus', 'mem'];
  const columns: Column[] = [
    { heading: 'ID' }, { heading: 'NAME' }, { heading: 'STATE' }, { heading: 'FRAMEWORK' }, { heading: 'AGENT' },
    ...resources.map((name): Column => ({ heading: name.toUpperCase(), align: 'right' })),
    ...(options.wide ? [{ heading: 'FRAMEWORK_ID' }, { heading: 'AGENT_ID' }] : []),
  ];
  return renderTable(columns, rows.map((row) => [
    row.id, row.name, row.state, row.framework, row.agent,
    ...resources.map((name) => formatAmount(name, amountOf(row.resources, name))),
    ...(options.wide ? [row.framework_id, row.agent_id] : []),
  ]));
}
