/** The page frame: navigation, the connection indicator and the current view. */
import { useEffect, useState } from 'react';
import { useRoute } from './live/router.js';
import { useCluster } from './live/store.js';
import type { ConnectionStatus } from './live/subscription.js';
import type { Route } from './model/route.js';
import { AgentPage, AgentsView } from './views/agents.js';
import { FrameworkPage, FrameworksView } from './views/frameworks.js';
import { OverviewView } from './views/overview.js';
import { RolesView } from './views/roles.js';
import { TaskPage } from './views/task-page.js';
import { TasksView } from './views/tasks.js';

const NAV: ReadonlyArray<[string, string, ReadonlyArray<Route['view']>]> = [
  ['Overview', '#/', ['overview']],
  ['Agents', '#/agents', ['agents', 'agent']],
  ['Frameworks', '#/frameworks', ['frameworks', 'framework']],
  ['Tasks', '#/tasks', ['tasks', 'task']],
  ['Roles', '#/roles', ['roles']],
];

function ConnectionIndicator({ status }: { status: ConnectionStatus }) {
  const [nowMs, setNowMs] = useState(Date.now());
  useEffect(() => {
    if (status.kind !== 'retrying') return;
    const timer = setInterval(() => setNowMs(Date.now()), 500);
    return () => clearInterval(timer);
  }, [status]);
  if (status.kind === 'live') return <span className="connection" data-testid="connection" data-status="live"><span className="dot live" />live</span>;
  if (status.kind === 'connecting') return <span className="connection" data-testid="connection" data-status="connecting"><span className="dot" />connecting…</span>;
  const seconds = Math.max(0, Math.ceil((status.retryAtMs - nowMs) / 1000));
  return (
    <span className="connection" data-testid="connection" data-status="retrying" title={status.error}>
      <span className="dot retrying" />{status.error} · retrying in {seconds} s
    </span>
  );
}

function CurrentView({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview': return <OverviewView />;
    case 'agents': return <AgentsView />;
    case 'agent': return <AgentPage agentId={route.agentId} />;
    case 'frameworks': return <FrameworksView />;
    case 'framework': return <FrameworkPage frameworkId={route.frameworkId} />;
    // Keyed by the filters that are not typed, so the search box keeps its own state while typing.
    case 'tasks': return <TasksView key={`${route.query.state}|${route.query.frameworkId}|${route.query.agentId}`} query={route.query} />;
    case 'task': return <TaskPage key={`${route.frameworkId}/${route.taskId}`} frameworkId={route.frameworkId} taskId={route.taskId} path={route.path} />;
    case 'roles': return <RolesView />;
    case 'not-found': return <p className="error">No page at {route.hash}. <a href="#/">Overview</a></p>;
  }
}

export function App() {
  const route = useRoute();
  const { status } = useCluster();
  return (
    <>
      <header className="topbar">
        <span className="brand">MERIDIAN</span>
        <nav>
          {NAV.map(([label, href, views]) => <a key={label} href={href} className={views.includes(route.view) ? 'active' : ''}>{label}</a>)}
        </nav>
        <ConnectionIndicator status={status} />
      </header>
      <main>
        <CurrentView route={route} />
      </main>
    </>
  );
}
