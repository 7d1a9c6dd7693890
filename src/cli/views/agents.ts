/**
 * `meridian agents`: one row per registered agent with what it has, what its tasks and
 * executors use, and how many tasks it runs. Pure: the master's GET_STATE in, rows and lines out.
 */
import { agentIdOf, amountOf, scalarAmounts, type Amounts, type GetStateJson } from './operator-json.js';
import { compareText, formatUsedOfTotal, renderTable, yesNo, type Column } from './table.js';
import { isTerminal } from './task-states.js';

/** One agent, as `--json` prints it: amounts by resource name, mem and disk in MB. */
export interface AgentRow {
  id: string;
  hostname: string;
  port: number | null;
  active: boolean;
  /** Tasks on the agent that have not reached a terminal state. */
  tasks: number;
  total: Amounts;
  /** Allocated to tasks and executors. */
  used: Amounts;
  offered: Amounts;
}

/** Rows for every registered agent, sorted by id so repeated runs line up. */
export function agentRows(state: GetStateJson): AgentRow[] {
  const tasksByAgent = new Map<string, number>();
  for (const task of state.get_tasks?.tasks ?? []) {
    const agentId = task.agent_id?.value;
    if (agentId === undefined || isTerminal(task.state)) continue;
    tasksByAgent.set(agentId, (tasksByAgent.get(agentId) ?? 0) + 1);
  }
  return (state.get_agents?.agents ?? [])
    .map((agent) => ({
      id: agentIdOf(agent),
      hostname: agent.agent_info.hostname,
      port: agent.agent_info.port ?? null,
      active: agent.active,
      tasks: tasksByAgent.get(agentIdOf(agent)) ?? 0,
      total: scalarAmounts(agent.total_resources),
      used: scalarAmounts(agent.allocated_resources),
      offered: scalarAmounts(agent.offered_resources),
    }))
    .sort((a, b) => compareText(a.id, b.id));
}

/** The agents table; a GPUS column appears only when some agent has GPUs. */
export function renderAgents(rows: readonly AgentRow[]): string[] {
  const withGpus = rows.some((row) => amountOf(row.total, 'gpus') > 0);
  const resources = withGpus ? ['cpus', 'mem', 'disk', 'gpus'] : ['cpus', 'mem', 'disk'];
  const columns: Column[] = [
    { heading: 'ID' }, { heading: 'HOSTNAME' }, { heading: 'ACTIVE' },
    ...resources.map((name): Column => ({ heading: name.toUpperCase(), align: 'right' })),
    { heading: 'TASKS', align: 'right' },
  ];
  return renderTable(columns, rows.map((row) => [
    row.id, row.hostname, yesNo(row.active),
    ...resources.map((name) => formatUsedOfTotal(name, amountOf(row.used, name), amountOf(row.total, name))),
    String(row.tasks),
  ]));
}

