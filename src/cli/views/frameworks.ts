/**
 * `meridian frameworks`: one row per framework with its roles, its tasks and what it uses.
 * Completed (torn down) frameworks are listed only when asked for. Pure: GET_STATE in, rows and
 * lines out.
 */
import { amountOf, frameworkIdOf, rolesOf, scalarAmounts, type Amounts, type FrameworkJson, type GetStateJson } from './operator-json.js';
import { compareText, formatAmount, renderTable, yesNo, type Column } from './table.js';
import { isTerminal } from './task-states.js';

/** One framework, as `--json` prints it. */
export interface FrameworkRow {
  id: string;
  name: string;
  roles: string[];
  active: boolean;
  /** Torn down or failed over for good; the master keeps a bounded history of these. */
  completed: boolean;
  /** Tasks that have not reached a terminal state. */
  tasks: number;
  used: Amounts;
  offered: Amounts;
}

export interface FrameworkListing {
  /** Also list completed frameworks. */
  all: boolean;
}

/** Rows for the frameworks the master knows: subscribed ones first, then (with `all`) completed ones, each by id. */
export function frameworkRows(state: GetStateJson, listing: FrameworkListing): FrameworkRow[] {
  const tasksByFramework = new Map<string, number>();
  for (const task of state.get_tasks?.tasks ?? []) {
    if (isTerminal(task.state)) continue;
    tasksByFramework.set(task.framework_id.value, (tasksByFramework.get(task.framework_id.value) ?? 0) + 1);
  }
  const row = (framework: FrameworkJson, completed: boolean): FrameworkRow => ({
    id: frameworkIdOf(framework),
    name: framework.framework_info.name,
    roles: rolesOf(framework),
    active: framework.active,
    completed,
    tasks: tasksByFramework.get(frameworkIdOf(framework)) ?? 0,
    used: scalarAmounts(framework.allocated_resources),
    offered: scalarAmounts(framework.offered_resources),
  });
  const byId = (a: FrameworkRow, b: FrameworkRow) => compareText(a.id, b.id);
  const live = (state.get_frameworks?.frameworks ?? []).map((framework) => row(framework, false)).sort(byId);
  if (!listing.all) return live;
  const completed = (state.get_frameworks?.completed_frameworks ?? []).map((framework) => row(framework, true)).sort(byId);
  return [...live, ...completed];
}

/** The frameworks table: ACTIVE reads `completed` for a framework that is gone; GPUS only when one uses GPUs. */
export function renderFrameworks(rows: readonly FrameworkRow[]): string[] {
  const withGpus = rows.some((row) => amountOf(row.used, 'gpus') > 0);
  const resources = withGpus ? ['cpus', 'mem', 'gpus'] : ['cpus', 'mem'];
  const columns: Column[] = [
    { heading: 'ID' }, { heading: 'NAME' }, { heading: 'ROLES' }, { heading: 'ACTIVE' }, { heading: 'TASKS', align: 'right' },
    ...resources.map((name): Column => ({ heading: name.toUpperCase(), align: 'right' })),
  ];
  return renderTable(columns, rows.map((row) => [
    row.id, row.name, row.roles.join(','), row.completed ? 'completed' : yesNo(row.active), String(row.tasks),
    ...resources.map((name) => formatAmount(name, amountOf(row.used, name))),
  ]));
}
