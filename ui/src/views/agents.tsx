/** Agents: a list with their resources and tasks, and a page per agent. */
import { useMemo } from 'react';
import { Facts, formatSeconds, ResourceTable, UsageBar, WaitingForMaster } from '../components/common.js';
import { VirtualTable, type Column } from '../components/virtual-table.js';
import { usageOf } from '../live/derived.js';
import { useCluster } from '../live/store.js';
import type { AgentRecord } from '../model/cluster-state.js';
import { attributeText } from '../model/resources.js';
import { routeHref } from '../model/route.js';
import { EMPTY_TASK_QUERY, filterTasks } from '../model/task-filter.js';
import { taskColumns } from './tasks.js';

export function AgentsView() {
  const { state, revision } = useCluster();
  const usage = usageOf(state);
  const agents = useMemo(() => [...state.agents.values()].sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id)), [state, revision]);
  if (!state.subscribed) return <WaitingForMaster />;
  const used = (agent: AgentRecord) => usage.usedByAgent.get(agent.id) ?? {};
  const columns: Array<Column<AgentRecord>> = [
    { header: 'Agent', width: 'minmax(160px, 2fr)', cell: (agent) => <span className="mono" title={agent.id}>{agent.id}</span> },
    { header: 'Host', width: 'minmax(120px, 1.2fr)', cell: (agent) => `${agent.hostname}:${agent.port}` },
    { header: 'Active', width: '60px', cell: (agent) => (agent.active ? 'yes' : <span className="error">no</span>) },
    { header: 'CPUs', width: 'minmax(140px, 1fr)', cell: (agent) => <UsageBar name="cpus" used={used(agent).cpus ?? 0} total={agent.total.cpus ?? 0} /> },
    { header: 'Memory', width: 'minmax(160px, 1fr)', cell: (agent) => <UsageBar name="mem" used={used(agent).mem ?? 0} total={agent.total.mem ?? 0} /> },
    { header: 'Tasks', width: '60px', cell: (agent) => usage.liveTasksByAgent.get(agent.id) ?? 0 },
    { header: 'Attributes', width: 'minmax(120px, 1.5fr)', cell: (agent) => agent.attributes.map((a) => `${a.name}:${attributeText(a)}`).join('; ') },
  ];
  return (
    <>
      <h1>Agents <span className="muted">({agents.length})</span></h1>
      <VirtualTable testId="agents-table" rows={agents} columns={columns} rowKey={(agent) => agent.id}
        rowHref={(agent) => routeHref({ view: 'agent', agentId: agent.id })} empty="No agents are registered." />
    </>
  );
}

export function AgentPage({ agentId }: { agentId: string }) {
  const { state, revision } = useCluster();
  const tasks = useMemo(() => filterTasks(state.tasks.values(), { ...EMPTY_TASK_QUERY, agentId }), [state, revision, agentId]);
  if (!state.subscribed) return <WaitingForMaster />;
  const agent = state.agents.get(agentId);
  if (!agent) return <p className="error">Agent {agentId} is not registered with the master (any more).</p>;
  const usage = usageOf(state);
  return (
    <>
      <h1>Agent {agent.hostname}</h1>
      <div className="split">
        <div className="panel">
          <Facts items={[
            ['ID', <span className="mono">{agent.id}</span>],
            ['Address', agent.pid || `${agent.hostname}:${agent.port}`],
            ['Active', agent.active ? 'yes' : 'no'],
            ['Version', agent.version],
            ['Registered', formatSeconds(agent.registeredAtSeconds)],
            ['Attributes', agent.attributes.length === 0 ? 'none' : agent.attributes.map((a) => <span className="pill" key={a.name}>{a.name}: {attributeText(a)}</span>)],
          ]} />
        </div>
        <div className="panel">
          <ResourceTable columns={[['Total', agent.total], ['Used', usage.usedByAgent.get(agent.id) ?? {}]]} />
        </div>
      </div>
      <h2>Tasks <span className="muted">({tasks.length}) · <a href={routeHref({ view: 'tasks', query: { ...EMPTY_TASK_QUERY, agentId } })}>filter in tasks</a></span></h2>
      <VirtualTable rows={tasks} columns={taskColumns(state)} rowKey={(task) => task.key} heightPx={400}
        rowHref={(task) => routeHref({ view: 'task', frameworkId: task.frameworkId, taskId: task.id, path: '' })} empty="No tasks on this agent." />
    </>
  );
}
