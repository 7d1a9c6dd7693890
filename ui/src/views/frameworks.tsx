/**
 * Frameworks: a list with roles, resources and tasks, and a page per framework that also says why
 * it gets (no) offers, from the master's `GET /master/frameworks/<id>/allocation`, asked again
 * every few seconds while the page is open.
 */
import { useMemo, type ReactNode } from 'react';
import { Facts, formatSeconds, ResourceTable, WaitingForMaster } from '../components/common.js';
import { VirtualTable, type Column } from '../components/virtual-table.js';
import { getJson, usePolling } from '../live/api.js';
import { usageOf } from '../live/derived.js';
import { useCluster } from '../live/store.js';
import type { FrameworkRecord } from '../model/cluster-state.js';
import { formatAmount } from '../model/resources.js';
import { routeHref } from '../model/route.js';
import { EMPTY_TASK_QUERY, filterTasks } from '../model/task-filter.js';
import { taskColumns } from './tasks.js';

const ALLOCATION_INTERVAL_MS = 5_000;

function frameworkStatus(framework: FrameworkRecord) {
  if (framework.removed) return <span className="pill">removed</span>;
  if (!framework.connected) return <span className="pill bad">disconnected</span>;
  return framework.active ? <span className="pill ok">active</span> : <span className="pill bad">inactive</span>;
}

export function FrameworksView() {
  const { state, revision } = useCluster();
  const usage = usageOf(state);
  // Live frameworks first, then removed ones; by name within each.
  const frameworks = useMemo(() => [...state.frameworks.values()].sort((a, b) => Number(a.removed) - Number(b.removed) || a.name.localeCompare(b.name)), [state, revision]);
  if (!state.subscribed) return <WaitingForMaster />;
  const columns: Array<Column<FrameworkRecord>> = [
    { header: 'Framework', width: 'minmax(160px, 2fr)', cell: (f) => <span className="mono" title={f.id}>{f.id}</span> },
    { header: 'Name', width: 'minmax(120px, 1.2fr)', cell: (f) => f.name },
    { header: 'Roles', width: 'minmax(100px, 1fr)', cell: (f) => f.roles.join(', ') },
    { header: 'Status', width: '110px', cell: frameworkStatus },
    { header: 'CPUs', width: '70px', cell: (f) => formatAmount('cpus', usage.usedByFramework.get(f.id)?.cpus ?? 0) },
    { header: 'Memory', width: '90px', cell: (f) => formatAmount('mem', usage.usedByFramework.get(f.id)?.mem ?? 0) },
    { header: 'Tasks', width: '60px', cell: (f) => usage.liveTasksByFramework.get(f.id) ?? 0 },
    { header: 'Registered', width: 'minmax(140px, 1fr)', cell: (f) => <span className="muted">{formatSeconds(f.registeredAtSeconds)}</span> },
  ];
  return (
    <>
      <h1>Frameworks <span className="muted">({frameworks.filter((f) => !f.removed).length} registered)</span></h1>
      <VirtualTable testId="frameworks-table" rows={frameworks} columns={columns} rowKey={(f) => f.id}
        rowHref={(f) => routeHref({ view: 'framework', frameworkId: f.id })} empty="No framework has subscribed." />
    </>
  );
}

/** `GET /master/frameworks/<id>/allocation`, as src/master/shell/allocation-explain.ts writes it. */
interface AllocationJson {
  framework_id: string;
  name: string;
  roles: Array<{
    role: string;
    summary: string;
    offered_last_run: number;
    subscribed: boolean;
    connected: boolean;
    active: boolean;
    suppressed: boolean;
    at_quota_limit: boolean;
    outstanding_offers?: { count: number; cpus: number; mem: number };
    agents?: Record<string, number>;
  }>;
}

const AGENT_REASONS: ReadonlyArray<[string, string]> = [
  ['total', 'active agents'],
  ['available', 'could offer now'],
  ['filtered', 'filtered by its declines'],
  ['fully_allocated', 'nothing free'],
  ['reserved_for_other_roles', 'free part reserved for other roles'],
  ['below_minimum', 'below the minimum allocatable'],
];

function AllocationPanel({ frameworkId, removed }: { frameworkId: string; removed: boolean }) {
  const polled = usePolling((signal) => getJson<AllocationJson>(`/master/frameworks/${encodeURIComponent(frameworkId)}/allocation`, signal), ALLOCATION_INTERVAL_MS, frameworkId);
  if (removed) return <p className="muted">The framework was removed; it gets no offers.</p>;
  if (polled.data === null) return <p className={polled.error ? 'error' : 'muted'}>{polled.error ?? 'Asking the master…'}</p>;
  return (
    <>
      {polled.error ? <p className="error">Last refresh failed: {polled.error}</p> : null}
      <table className="plain" data-testid="allocation">
        <thead><tr><th>Role</th><th>Why</th><th>Offers last run</th><th>Holds offers</th><th>Agents</th></tr></thead>
        <tbody>
          {polled.data.roles.map((role) => (
            <tr key={role.role}>
              <td>{role.role}{role.suppressed ? <span className="pill">suppressed</span> : null}{role.at_quota_limit ? <span className="pill bad">at quota limit</span> : null}</td>
              <td>{role.summary}</td>
              <td>{role.offered_last_run}</td>
              <td>{role.outstanding_offers ? `${role.outstanding_offers.count} (${formatAmount('cpus', role.outstanding_offers.cpus)} cpus, ${formatAmount('mem', role.outstanding_offers.mem)})` : ''}</td>
              <td>{AGENT_REASONS.filter(([key]) => (role.agents?.[key] ?? 0) > 0 || key === 'total').map(([key, label]) => <div key={key}>{role.agents?.[key] ?? 0} {label}</div>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function FrameworkPage({ frameworkId }: { frameworkId: string }) {
  const { state, revision } = useCluster();
  const tasks = useMemo(() => filterTasks(state.tasks.values(), { ...EMPTY_TASK_QUERY, frameworkId }), [state, revision, frameworkId]);
  if (!state.subscribed) return <WaitingForMaster />;
  const framework = state.frameworks.get(frameworkId);
  if (!framework) return <p className="error">Framework {frameworkId} is not known to the master (any more).</p>;
  const usage = usageOf(state);
  return (
    <>
      <h1>Framework {framework.name} {frameworkStatus(framework)}</h1>
      <div className="split">
        <div className="panel">
          <Facts items={[
            ['ID', <span className="mono">{framework.id}</span>],
            ['Roles', framework.roles.join(', ')],
            ['User', framework.user],
            ['Principal', framework.principal || 'none'],
            ['Host', framework.hostname],
            ['Registered', formatSeconds(framework.registeredAtSeconds)],
            ['Capabilities', framework.capabilities.join(', ') || 'none'],
            ...(framework.webuiUrl ? [['Web UI', <a href={framework.webuiUrl}>{framework.webuiUrl}</a>] as [string, ReactNode]] : []),
          ]} />
        </div>
        <div className="panel">
          <ResourceTable columns={[['Used by live tasks', usage.usedByFramework.get(framework.id) ?? {}]]} />
        </div>
      </div>
      <h2>Offers: why it gets what it gets</h2>
      <div className="panel"><AllocationPanel frameworkId={framework.id} removed={framework.removed} /></div>
      <h2>Tasks <span className="muted">({tasks.length})</span></h2>
      <VirtualTable rows={tasks} columns={taskColumns(state)} rowKey={(task) => task.key} heightPx={400}
        rowHref={(task) => routeHref({ view: 'task', frameworkId: task.frameworkId, taskId: task.id, path: '' })} empty="No tasks." />
    </>
  );
}
