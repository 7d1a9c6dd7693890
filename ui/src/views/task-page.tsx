/**
 * One task: what the master knows of it (live from the event stream), its sandbox on the agent
 * (`/files/browse`) and a live tail of its stdout and stderr (`/files/read`, the way Mesos' own UI
 * follows logs). Agent requests go through the master's `/agent/<agent_id>/...`.
 */
import { useEffect, useState } from 'react';
import { Facts, formatSeconds, ResourceTable, StateBadge, WaitingForMaster } from '../components/common.js';
import { agentUrl, getJson, usePolling } from '../live/api.js';
import { navigate } from '../live/router.js';
import { useCluster } from '../live/store.js';
import { taskKey, type TaskRecord } from '../model/cluster-state.js';
import { routeHref } from '../model/route.js';
import { findSandbox, joinPath, parentWithin, type AgentStateJson, type SandboxLocation } from '../model/sandbox.js';
import { applyRead, initialTail, nextRead, readWasFull, type TailState } from '../model/tail.js';
import { isTerminalTaskState } from '../model/wire.js';

const TAIL_INTERVAL_MS = 1_000;
const BROWSE_INTERVAL_MS = 3_000;

/** The task's sandbox, asked of its agent once, and again when the task's state changes (it may just have launched). */
function useSandbox(task: TaskRecord | undefined): { sandbox: SandboxLocation | null; error: string | null } {
  const [found, setFound] = useState<{ sandbox: SandboxLocation | null; error: string | null }>({ sandbox: null, error: null });
  const agentId = task?.agentId;
  const state = task?.state;
  useEffect(() => {
    if (!task || agentId === undefined) return;
    const controller = new AbortController();
    getJson<AgentStateJson>(agentUrl(agentId, 'state'), controller.signal).then(
      (agentState) => setFound({ sandbox: findSandbox(agentState, task.frameworkId, task.executorId, task.id), error: null }),
      (error: Error) => {
        if (!controller.signal.aborted) setFound({ sandbox: null, error: error.message });
      },
    );
    return () => controller.abort();
  }, [agentId, task?.key, state]);
  return found;
}

interface TailView extends TailState {
  error: string | null;
}

/** Follows one file on an agent while the component is shown. */
function useTail(agentId: string, path: string | null): TailView {
  const [view, setView] = useState<TailView>({ ...initialTail(), error: null });
  useEffect(() => {
    setView({ ...initialTail(), error: null });
    if (path === null) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tail = initialTail();
    const step = async () => {
      let again = false;
      try {
        const { offset, length } = nextRead(tail);
        const params: Record<string, string | number> = { path, offset };
        if (length > 0) params.length = length;
        const answer = await getJson<{ data: string; offset: number }>(agentUrl(agentId, 'files/read', params), controller.signal);
        const probing = tail.offset === null;
        tail = applyRead(tail, answer);
        again = probing || readWasFull(answer);
        setView({ ...tail, error: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        setView({ ...tail, error: (error as Error).message });
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void step(), again ? 0 : TAIL_INTERVAL_MS);
    };
    void step();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [agentId, path]);
  return view;
}

function LogPane({ agentId, path, label }: { agentId: string; path: string | null; label: string }) {
  const tail = useTail(agentId, path);
  const [element, setElement] = useState<HTMLPreElement | null>(null);
  // Stay at the bottom as text arrives, unless the reader scrolled up.
  useEffect(() => {
    if (element && element.scrollHeight - element.scrollTop - element.clientHeight < 80) element.scrollTop = element.scrollHeight;
  }, [element, tail.text]);
  return (
    <div>
      {tail.error ? <p className="error">{label}: {tail.error}</p> : null}
      {tail.clipped ? <p className="muted">Showing the end of the file.</p> : null}
      <pre className="log" ref={setElement} data-testid={`log-${label}`}>{tail.text}</pre>
    </div>
  );
}

interface FileEntryJson {
  path: string;
  size?: number;
  mode?: string;
  mtime?: number;
}

function SandboxBrowser({ agentId, root, path, onOpen }: { agentId: string; root: string; path: string; onOpen: (path: string) => void }) {
  const polled = usePolling((signal) => getJson<FileEntryJson[]>(agentUrl(agentId, 'files/browse', { path }), signal), BROWSE_INTERVAL_MS, `${agentId}:${path}`);
  const entries = [...(polled.data ?? [])].sort((a, b) => Number(b.mode?.startsWith('d') ?? false) - Number(a.mode?.startsWith('d') ?? false) || a.path.localeCompare(b.path));
  const relative = path === root ? '/' : path.slice(root.length);
  return (
    <div data-testid="sandbox">
      <p className="mono">sandbox{relative}</p>
      {polled.error ? <p className="error">{polled.error}</p> : null}
      <table className="plain">
        <thead><tr><th>Name</th><th>Mode</th><th>Size</th><th>Modified</th></tr></thead>
        <tbody>
          {path !== root ? <tr><td colSpan={4}><a href="#" onClick={(event) => { event.preventDefault(); onOpen(parentWithin(path, root)); }}>..</a></td></tr> : null}
          {entries.map((entry) => {
            const name = entry.path.replace(/\/+$/, '').split('/').pop() ?? entry.path;
            const directory = entry.mode?.startsWith('d') ?? false;
            return (
              <tr key={entry.path}>
                <td>
                  <a href="#" data-file={name} onClick={(event) => { event.preventDefault(); onOpen(directory ? joinPath(path, name) : `file:${joinPath(path, name)}`); }}>
                    {name}{directory ? '/' : ''}
                  </a>
                  {directory ? null : <> · <a href={agentUrl(agentId, 'files/download', { path: joinPath(path, name) })}>download</a></>}
                </td>
                <td className="mono">{entry.mode ?? ''}</td>
                <td>{entry.size ?? ''}</td>
                <td className="muted">{formatSeconds(entry.mtime)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function TaskPage({ frameworkId, taskId, path }: { frameworkId: string; taskId: string; path: string }) {
  const { state } = useCluster();
  const task = state.tasks.get(taskKey(frameworkId, taskId));
  const { sandbox, error } = useSandbox(task);
  const [tab, setTab] = useState<string>('stdout');
  if (!state.subscribed) return <WaitingForMaster />;
  if (!task) return <p className="error">Task {taskId} of framework {frameworkId} is not known to the master (any more).</p>;
  const framework = state.frameworks.get(task.frameworkId);
  const agent = state.agents.get(task.agentId);
  const root = sandbox?.path ?? null;
  const browsePath = root !== null && path.startsWith(root) ? path : root;
  const openPath = (next: string) => {
    if (next.startsWith('file:')) setTab(next.slice('file:'.length));
    else navigate(routeHref({ view: 'task', frameworkId, taskId, path: next }), true);
  };
  const tabs = ['stdout', 'stderr', ...(tab !== 'stdout' && tab !== 'stderr' ? [tab] : [])];
  const fileOf = (name: string): string | null => (root === null ? null : name.startsWith('/') ? name : joinPath(root, name));
  return (
    <>
      <h1>Task <span className="mono">{task.id}</span> <StateBadge state={task.state} /></h1>
      <div className="split">
        <div className="panel">
          <Facts items={[
            ['Name', task.name],
            ['State', <span data-testid="task-state">{task.state}</span>],
            ['Framework', <a href={routeHref({ view: 'framework', frameworkId: task.frameworkId })}>{framework?.name ?? task.frameworkId}</a>],
            ['Agent', <a href={routeHref({ view: 'agent', agentId: task.agentId })}>{agent ? `${agent.hostname}:${agent.port}` : task.agentId}</a>],
            ['Executor', <span className="mono">{task.executorId}</span>],
            ['Role', task.role],
            ['Sandbox', root === null ? (error ? <span className="error">{error}</span> : 'looking…') : <span className="mono">{root}</span>],
          ]} />
        </div>
        <div className="panel">
          <ResourceTable columns={[['Resources', task.resources]]} />
        </div>
      </div>
      <h2>Status updates</h2>
      <div className="panel">
        <table className="plain">
          <thead><tr><th>State</th><th>Time</th><th>Source</th><th>Reason</th><th>Message</th></tr></thead>
          <tbody>
            {task.statuses.map((status, index) => (
              <tr key={index}>
                <td><StateBadge state={status.state} /></td>
                <td>{formatSeconds(status.timestamp)}</td>
                <td>{status.source ?? ''}</td>
                <td>{status.reason ?? ''}</td>
                <td>{status.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Output {isTerminalTaskState(task.state) ? <span className="muted">(task ended)</span> : <span className="muted">(following)</span>}</h2>
      <div className="panel">
        <div className="tabs">
          {tabs.map((name) => (
            <button key={name} className={tab === name ? 'active' : ''} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
              {name.split('/').pop()}
            </button>
          ))}
        </div>
        {agent || sandbox ? <LogPane key={tab} agentId={task.agentId} path={fileOf(tab)} label={tab.split('/').pop() ?? tab} /> : <p className="muted">The agent is not registered; its files cannot be read.</p>}
      </div>
      <h2>Sandbox</h2>
      <div className="panel">
        {browsePath === null ? <p className="muted">{error ?? 'Finding the sandbox…'}</p> : <SandboxBrowser agentId={task.agentId} root={root as string} path={browsePath} onOpen={openPath} />}
      </div>
    </>
  );
}
