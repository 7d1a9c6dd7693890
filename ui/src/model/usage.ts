/**
 * What the views derive from the cluster picture in one pass over the tasks: resources in use
 * and task counts per agent, framework and role, and tasks per state. Live tasks (not ended) hold
 * resources; ended ones only count. Recomputed when the picture's revision moves.
 */
import type { ClusterState } from './cluster-state.js';
import { fromMilli, type ResourceAmounts } from './resources.js';
import { isTerminalTaskState } from './wire.js';

export interface Usage {
  usedByAgent: Map<string, ResourceAmounts>;
  usedByFramework: Map<string, ResourceAmounts>;
  usedByRole: Map<string, ResourceAmounts>;
  used: ResourceAmounts;
  total: ResourceAmounts;
  liveTasksByAgent: Map<string, number>;
  liveTasksByFramework: Map<string, number>;
  tasksByState: Map<string, number>;
  liveTasks: number;
  activeAgents: number;
  activeFrameworks: number;
}

function addInto(map: Map<string, Map<string, number>>, key: string, amounts: ResourceAmounts): void {
  let totals = map.get(key);
  if (!totals) {
    totals = new Map();
    map.set(key, totals);
  }
  for (const [name, value] of Object.entries(amounts)) totals.set(name, (totals.get(name) ?? 0) + Math.round(value * 1000));
}

function finish(map: Map<string, Map<string, number>>): Map<string, ResourceAmounts> {
  return new Map([...map].map(([key, totals]) => [key, fromMilli(totals)]));
}

const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

export function computeUsage(state: ClusterState): Usage {
  const byAgent = new Map<string, Map<string, number>>();
  const byFramework = new Map<string, Map<string, number>>();
  const byRole = new Map<string, Map<string, number>>();
  const used = new Map<string, number>();
  const liveTasksByAgent = new Map<string, number>();
  const liveTasksByFramework = new Map<string, number>();
  const tasksByState = new Map<string, number>();
  let liveTasks = 0;
  for (const task of state.tasks.values()) {
    bump(tasksByState, task.state);
    if (isTerminalTaskState(task.state)) continue;
    liveTasks++;
    bump(liveTasksByAgent, task.agentId);
    bump(liveTasksByFramework, task.frameworkId);
    addInto(byAgent, task.agentId, task.resources);
    addInto(byFramework, task.frameworkId, task.resources);
    addInto(byRole, task.role, task.resources);
    for (const [name, value] of Object.entries(task.resources)) used.set(name, (used.get(name) ?? 0) + Math.round(value * 1000));
  }
  const total = new Map<string, number>();
  let activeAgents = 0;
  for (const agent of state.agents.values()) {
    if (agent.active) activeAgents++;
    for (const [name, value] of Object.entries(agent.total)) total.set(name, (total.get(name) ?? 0) + Math.round(value * 1000));
  }
  let activeFrameworks = 0;
  for (const framework of state.frameworks.values()) if (framework.active) activeFrameworks++;
  return {
    usedByAgent: finish(byAgent),
    usedByFramework: finish(byFramework),
    usedByRole: finish(byRole),
    used: fromMilli(used),
    total: fromMilli(total),
    liveTasksByAgent,
    liveTasksByFramework,
    tasksByState,
    liveTasks,
    activeAgents,
    activeFrameworks,
  };
}
