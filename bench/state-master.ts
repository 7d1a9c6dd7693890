/**
 * The master process of `npm run bench:state`: a real master (`runMaster`, every route as
 * `meridian master` serves them) whose cluster is loaded in-process, because 20,000 agent-link
 * streams need more open files than this machine allows one process (20,000). The load goes
 * through the shell's `step`, the same inputs the agent link and the scheduler API produce: the
 * frameworks subscribe, then every agent subscribes reporting its running tasks, as agents do
 * after a master failover (Mesos' `MasterStateQuery_BENCHMARK_Test` loads its master the same
 * way, with reregistering agents). Without streams the events meant for agents and schedulers go
 * nowhere; allocation runs as usual, so offers are outstanding as in a live cluster.
 *
 * Parameters come from the environment (BENCH_AGENTS, BENCH_FRAMEWORKS, BENCH_TASKS_PER_AGENT,
 * BENCH_FRAMEWORKS_PER_AGENT, BENCH_COMPLETED_PER_AGENT). When loaded, it prints one line
 * `READY {"port":…,…}` on stdout and serves until SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import type { Task, TaskStatus } from '../src/api/mesos.js';
import type { FlagValues } from '../src/common/flags.js';
import type { AgentId, FrameworkId } from '../src/common/ids.js';
import { createLogger } from '../src/common/log.js';
import type { ConnectionId } from '../src/master/core/types.js';
import { runMaster } from '../src/master/shell/main.js';
import type { MasterShell } from '../src/master/shell/master-shell.js';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 20_000);
const FRAMEWORKS = Number(process.env.BENCH_FRAMEWORKS ?? 2_000);
const TASKS_PER_AGENT = Number(process.env.BENCH_TASKS_PER_AGENT ?? 10);
const FRAMEWORKS_PER_AGENT = Number(process.env.BENCH_FRAMEWORKS_PER_AGENT ?? 5);
/** Tasks per agent that finish (and are acknowledged) after loading, so frameworks have a history. */
const COMPLETED_PER_AGENT = Number(process.env.BENCH_COMPLETED_PER_AGENT ?? 0);
/** Agents loaded per event-loop turn: allocation runs and requests are served in between, as under a real load. */
const AGENTS_PER_TURN = 500;
/** Mesos' benchmark gives every task ten labels. */
const LABELS_PER_TASK = 10;

const scalar = (name: string, value: number) => ({ name, type: 'SCALAR' as const, scalar: { value } });
const connection = (): ConnectionId => randomUUID() as ConnectionId;
const turn = () => new Promise((resolve) => setImmediate(resolve));
/** A message as a server gets it: written as JSON and parsed. */
const fromJson = <T>(message: T): T => JSON.parse(JSON.stringify(message)) as T;

function subscribeFrameworks(shell: MasterShell): FrameworkId[] {
  for (let i = 0; i < FRAMEWORKS; i++) {
    shell.step({
      kind: 'framework-subscribe',
      connectionId: connection(),
      call: fromJson({
        type: 'SUBSCRIBE',
        subscribe: {
          framework_info: {
            user: 'bench', name: `bench-framework-${i}`, roles: ['*'], failover_timeout: 604_800, checkpoint: true,
            hostname: `scheduler-${i}.bench`, capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
          },
        },
      }),
    });
  }
  return [...shell.core.frameworks.keys()];
}

/** A task as in Mesos' benchmark (cpus:0.1;mem:5, ten labels), plus the TASK_RUNNING status a real task has. */
function runningTask(agentIndex: number, taskIndex: number, frameworkId: FrameworkId, startedSeconds: number): Task {
  const taskId = { value: `task-${agentIndex}-${taskIndex}` };
  const running: TaskStatus = { task_id: taskId, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', timestamp: startedSeconds, uuid: randomUUID() };
  return {
    name: `bench-task-${taskIndex}`,
    task_id: taskId,
    framework_id: { value: frameworkId },
    agent_id: { value: 'reported-by-the-agent' },
    state: 'TASK_RUNNING',
    resources: [scalar('cpus', 0.1), scalar('mem', 5)],
    statuses: [running],
    labels: { labels: Array.from({ length: LABELS_PER_TASK }, (_, k) => ({ key: `key${k}`, value: `value${k}` })) },
  };
}

async function subscribeAgents(shell: MasterShell, frameworkIds: FrameworkId[]): Promise<void> {
  const startedSeconds = Date.now() / 1000;
  for (let agent = 0; agent < AGENTS; agent++) {
    const tasks: Task[] = [];
    for (let t = 0; t < TASKS_PER_AGENT; t++) {
      const frameworkId = frameworkIds[(agent * FRAMEWORKS_PER_AGENT + (t % FRAMEWORKS_PER_AGENT)) % frameworkIds.length] as FrameworkId;
      tasks.push(runningTask(agent, t, frameworkId, startedSeconds));
    }
    const resources = [scalar('cpus', 20), scalar('mem', 10_240), scalar('disk', 40_960), { name: 'ports', type: 'RANGES' as const, ranges: { range: [{ begin: 31_000, end: 32_000 }] } }];
    shell.step({
      kind: 'agent-subscribe',
      connectionId: connection(),
      remoteIp: `10.${(agent >> 16) & 255}.${(agent >> 8) & 255}.${agent & 255}`,
      // As the agent link hands it over: parsed from JSON (strings flat, objects as the parser makes them).
      subscribe: fromJson({
        agent_info: {
          hostname: `agent-${agent}.bench`, port: 5051, resources,
          attributes: [{ name: 'rack', type: 'TEXT', text: { value: `rack-${agent % 40}` } }, { name: 'zone', type: 'TEXT', text: { value: `zone-${agent % 3}` } }],
        },
        resources,
        version: '1.11.0',
        tasks,
        executors: [],
        frameworks: [],
      }),
    });
    if (agent % AGENTS_PER_TURN === AGENTS_PER_TURN - 1) await turn();
  }
}

/** Finishes COMPLETED_PER_AGENT tasks on every agent: the agent's TASK_FINISHED, then the scheduler's acknowledgement. */
async function completeTasks(shell: MasterShell): Promise<void> {
  if (COMPLETED_PER_AGENT <= 0) return;
  const agents = [...shell.core.agents.values()];
  for (const [index, agent] of agents.entries()) {
    const keys = [...agent.tasks].slice(0, COMPLETED_PER_AGENT);
    for (const key of keys) {
      const [frameworkId, taskId] = key.split(' ') as [FrameworkId, string];
      const uuid = randomUUID();
      const status: TaskStatus = { task_id: { value: taskId }, state: 'TASK_FINISHED', source: 'SOURCE_EXECUTOR', timestamp: Date.now() / 1000, uuid, agent_id: { value: agent.id } };
      shell.step({ kind: 'agent-call', agentId: agent.id as AgentId, call: fromJson({ type: 'UPDATE' as const, update: { framework_id: { value: frameworkId }, status } }) });
      shell.step({
        kind: 'framework-call',
        frameworkId,
        call: fromJson({ type: 'ACKNOWLEDGE' as const, framework_id: { value: frameworkId }, acknowledge: { agent_id: { value: agent.id }, task_id: { value: taskId }, uuid } }),
      });
    }
    if (index % AGENTS_PER_TURN === AGENTS_PER_TURN - 1) await turn();
  }
}

async function main(): Promise<void> {
  const logger = createLogger('master', 'warn');
  const flags: FlagValues = {
    ip: '127.0.0.1',
    port: 0,
    allocation_interval: 1000,
    // The loaded agents have no streams to answer pings on; an hour keeps them all active.
    agent_ping_timeout: 3_600_000,
    max_agent_ping_timeouts: 5,
    heartbeat_interval: 15_000,
    offer_timeout: 60_000,
    max_completed_frameworks: 50,
    max_completed_tasks_per_framework: 1000,
    min_allocatable_resources: 'cpus:0.01|mem:32',
    log_level: 'warn',
  };
  const master = await runMaster(flags, logger);
  const started = performance.now();
  const frameworkIds = subscribeFrameworks(master.shell);
  await subscribeAgents(master.shell, frameworkIds);
  await completeTasks(master.shell);
  const core = master.shell.core;
  let running = 0;
  let completed = 0;
  for (const framework of core.frameworks.values()) {
    running += framework.tasks.size;
    completed += framework.completedTasks.length;
  }
  const loadMs = Math.round(performance.now() - started);
  process.stdout.write(`READY ${JSON.stringify({ port: master.address.port, agents: core.agents.size, frameworks: core.frameworks.size, running, completed, loadMs })}\n`);
  const stop = () => void master.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
