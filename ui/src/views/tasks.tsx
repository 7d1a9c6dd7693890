/** Tasks: every task the master reported, filtered by state, framework and agent, searchable by id or name. */
import { useMemo, useState } from 'react';
import { formatAgo, StateBadge, WaitingForMaster } from '../components/common.js';
import { VirtualTable, type Column } from '../components/virtual-table.js';
import { navigate } from '../live/router.js';
import { useCluster } from '../live/store.js';
import type { ClusterState, TaskRecord } from '../model/cluster-state.js';
import { formatAmount } from '../model/resources.js';
import { routeHref } from '../model/route.js';
import { filterTasks, type TaskQuery } from '../model/task-filter.js';
import { TASK_STATES } from '../model/wire.js';

/** The task table's columns; the framework and agent columns read names from the picture. */
export function taskColumns(state: ClusterState): Array<Column<TaskRecord>> {
  const nowMs = Date.now();
  return [
    { header: 'Task', width: 'minmax(180px, 2fr)', cell: (task) => <span className="mono" title={task.id}>{task.id}</span> },
    { header: 'Name', width: 'minmax(120px, 1.2fr)', cell: (task) => task.name },
    { header: 'State', width: '110px', cell: (task) => <StateBadge state={task.state} /> },
    { header: 'Framework', width: 'minmax(110px, 1fr)', cell: (task) => state.frameworks.get(task.frameworkId)?.name ?? task.frameworkId },
    { header: 'Agent', width: 'minmax(110px, 1fr)', cell: (task) => state.agents.get(task.agentId)?.hostname ?? task.agentId },
    { header: 'CPUs', width: '60px', cell: (task) => formatAmount('cpus', task.resources.cpus ?? 0) },
    { header: 'Memory', width: '80px', cell: (task) => formatAmount('mem', task.resources.mem ?? 0) },
    { header: 'Updated', width: '90px', cell: (task) => <span className="muted">{formatAgo(task.updatedAtSeconds, nowMs)}</span> },
  ];
}

export function TasksView({ query }: { query: TaskQuery }) {
  const { state, revision } = useCluster();
  // The search box answers each key at once; the URL follows without adding history entries.
  const [search, setSearch] = useState(query.search);
  const effective = { ...query, search };
  const tasks = useMemo(() => filterTasks(state.tasks.values(), effective), [state, revision, query.state, query.frameworkId, query.agentId, search]);
  const frameworks = useMemo(() => [...state.frameworks.values()].sort((a, b) => a.name.localeCompare(b.name)), [state, revision]);
  const agents = useMemo(() => [...state.agents.values()].sort((a, b) => a.hostname.localeCompare(b.hostname)), [state, revision]);
  if (!state.subscribed) return <WaitingForMaster />;
  const update = (change: Partial<TaskQuery>) => navigate(routeHref({ view: 'tasks', query: { ...effective, ...change } }), true);
  return (
    <>
      <h1>Tasks <span className="muted" data-testid="task-count">({tasks.length} of {state.tasks.size})</span></h1>
      <div className="filters">
        <input type="search" placeholder="Search by task id or name" value={search} aria-label="Search tasks"
          onChange={(event) => {
            setSearch(event.target.value);
            update({ search: event.target.value });
          }} />
        <select aria-label="State" value={query.state} onChange={(event) => update({ state: event.target.value })}>
          <option value="">All states</option>
          <option value="live">Live (not ended)</option>
          <option value="ended">Ended</option>
          {TASK_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select aria-label="Framework" value={query.frameworkId} onChange={(event) => update({ frameworkId: event.target.value })}>
          <option value="">All frameworks</option>
          {frameworks.map((f) => <option key={f.id} value={f.id}>{f.name} ({f.id.slice(-6)})</option>)}
        </select>
        <select aria-label="Agent" value={query.agentId} onChange={(event) => update({ agentId: event.target.value })}>
          <option value="">All agents</option>
          {agents.map((a) => <option key={a.id} value={a.id}>{a.hostname} ({a.id.slice(-6)})</option>)}
        </select>
      </div>
      <VirtualTable testId="tasks-table" rows={tasks} columns={taskColumns(state)} rowKey={(task) => task.key}
        rowHref={(task) => routeHref({ view: 'task', frameworkId: task.frameworkId, taskId: task.id, path: '' })}
        rowData={(task) => ({ 'data-task-id': task.id, 'data-task-state': task.state })}
        empty={state.tasks.size === 0 ? 'No tasks yet.' : 'No task matches these filters.'} />
    </>
  );
}
