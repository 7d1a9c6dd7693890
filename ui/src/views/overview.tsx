/** The cluster at a glance: counts from the live picture and resource charts from the metrics. */
import { Facts, ResourceTable, WaitingForMaster } from '../components/common.js';
import { ResourceChart } from '../components/resource-chart.js';
import { usageOf } from '../live/derived.js';
import { useMetricSamples } from '../live/metrics.js';
import { useCluster } from '../live/store.js';
import { ENDED_TASKS_MAX } from '../model/cluster-state.js';
import { CHARTED_RESOURCES } from '../model/metric-history.js';
import { routeHref } from '../model/route.js';
import { EMPTY_TASK_QUERY } from '../model/task-filter.js';
import { TASK_STATES } from '../model/wire.js';

export function OverviewView() {
  const { state } = useCluster();
  const { samples, error } = useMetricSamples();
  if (!state.subscribed) return <WaitingForMaster />;
  const usage = usageOf(state);
  const latest = samples[samples.length - 1];
  // Offered and idle come from the metrics, which the master keeps for the charted resources only.
  const offered: Record<string, number> = {};
  const idle: Record<string, number> = {};
  for (const name of CHARTED_RESOURCES) {
    if (!latest) continue;
    offered[name] = latest.resources[name].offered;
    idle[name] = latest.resources[name].idle;
  }
  // GPUs are charted only where the cluster has some.
  const charted = CHARTED_RESOURCES.filter((name) => name !== 'gpus' || samples.some((sample) => sample.resources.gpus.total > 0));
  const card = (label: string, value: number, href: string) => (
    <a className="card" href={href} key={label} data-testid={`card-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </a>
  );
  return (
    <>
      <h1>Cluster</h1>
      <div className="cards">
        {card('Active agents', usage.activeAgents, '#/agents')}
        {card('Active frameworks', usage.activeFrameworks, '#/frameworks')}
        {card('Live tasks', usage.liveTasks, routeHref({ view: 'tasks', query: { ...EMPTY_TASK_QUERY, state: 'live' } }))}
        {TASK_STATES.filter((s) => (usage.tasksByState.get(s) ?? 0) > 0).map((s) =>
          card(s.replace(/^TASK_/, '').toLowerCase(), usage.tasksByState.get(s) ?? 0, routeHref({ view: 'tasks', query: { ...EMPTY_TASK_QUERY, state: s } })))}
      </div>
      <h2>Resources over time</h2>
      {error ? <p className="error">Metrics: {error}</p> : null}
      <div className="charts">
        {charted.map((name) => <ResourceChart key={name} samples={samples} resource={name} />)}
      </div>
      <h2>Resources now</h2>
      <div className="panel">
        <ResourceTable columns={[['Total', usage.total], ['Used by tasks', usage.used], ['Offered', offered, 'unknown-blank'], ['Idle', idle, 'unknown-blank']]} />
      </div>
      <div className="panel">
        <Facts items={[
          ['Agents', `${state.agents.size} registered, ${usage.activeAgents} active`],
          ['Frameworks', `${[...state.frameworks.values()].filter((f) => !f.removed).length} registered, ${state.removedFrameworkIds.size} removed`],
          ['Tasks known', `${state.tasks.size} (the UI keeps the latest ${ENDED_TASKS_MAX.toLocaleString()} ended ones)`],
          ['Heartbeat', state.heartbeatIntervalSeconds === null ? 'unknown' : `every ${state.heartbeatIntervalSeconds} s`],
        ]} />
      </div>
    </>
  );
}
