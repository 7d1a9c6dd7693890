/**
 * AllocatorBacklog (Mesos' `HierarchicalAllocator_BENCHMARK_Test.AllocatorBacklog`, MESOS-6904):
 * how many allocation runs the master makes when triggers come in a burst. F frameworks and A
 * agents (`cpus:24;mem:4096;disk:4096;ports:[31000-32000]`) join a real MasterCore behind the
 * real MasterShell (no HTTP: inputs are stepped in directly), then every framework sends REVIVE,
 * each in its own turn of the event loop as separate requests would arrive (stricter than Mesos'
 * benchmark, which queues them all at once). Counts the runs the revives caused, median of three
 * rounds; Mesos' goal is that a backlog of triggers folds into a couple of runs.
 */
import { DrfAllocator } from '../src/allocator/drf-allocator.js';
import type { Resource } from '../src/api/mesos.js';
import { SystemClock } from '../src/common/clock.js';
import type { FrameworkId } from '../src/common/ids.js';
import { createLogger } from '../src/common/log.js';
import { SeededRng } from '../src/common/rng.js';
import { MasterCore } from '../src/master/core/master-core.js';
import type { ConnectionId } from '../src/master/core/types.js';
import { MasterShell } from '../src/master/shell/master-shell.js';
import { median, type BenchResult } from './report.js';

const ROUNDS = 3;

const AGENT_RESOURCES: Resource[] = [
  { name: 'cpus', type: 'SCALAR', scalar: { value: 24 } },
  { name: 'mem', type: 'SCALAR', scalar: { value: 4096 } },
  { name: 'disk', type: 'SCALAR', scalar: { value: 4096 } },
  { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } },
];

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function allocatorBacklog(agents: number, frameworks: number): Promise<BenchResult[]> {
  const core = new MasterCore(
    {
      masterId: 'bench',
      masterInfo: { id: 'bench', ip: 0, port: 5050, hostname: 'bench', version: '1.11.0' },
      heartbeatIntervalSeconds: 15,
      agentPingTimeoutMs: 3_600_000,
      maxAgentPingTimeouts: 5,
      offerTimeoutMs: null,
      maxCompletedFrameworks: 50,
      maxCompletedTasksPerFramework: 1000,
      agentReregisterTimeoutMs: 600_000,
    },
    new DrfAllocator(new SeededRng(1)),
  );
  // The periodic allocation is not started: only triggered runs are counted.
  const shell = new MasterShell(core, new SystemClock(), createLogger('bench', 'error'), { heartbeatIntervalMs: 0, allocationIntervalMs: 1000, agentPingTimeoutMs: 3_600_000 });
  const frameworkIds: FrameworkId[] = [];
  for (let i = 0; i < frameworks; i++) {
    const effects = shell.step({
      kind: 'framework-subscribe',
      connectionId: `f${i}` as ConnectionId,
      call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'bench', name: `framework-${i}` } } },
    });
    const opened = effects.find((effect) => effect.kind === 'framework-stream-open');
    if (opened?.kind === 'framework-stream-open') frameworkIds.push(opened.frameworkId);
  }
  for (let i = 0; i < agents; i++) {
    shell.step({ kind: 'agent-subscribe', connectionId: `a${i}` as ConnectionId, subscribe: { agent_info: { hostname: `agent-${i}`, port: 5051 }, resources: AGENT_RESOURCES, version: '1.11.0' }, remoteIp: '127.0.0.1' });
  }
  await settle(shell);
  const runsPerRound: number[] = [];
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const before = shell.metrics.allocationRuns;
    for (const frameworkId of frameworkIds) {
      shell.step({ kind: 'framework-call', frameworkId, call: { type: 'REVIVE', framework_id: { value: frameworkId } } });
      await nextTurn();
    }
    await settle(shell);
    runsPerRound.push(shell.metrics.allocationRuns - before);
  }
  const tookMs = performance.now() - started;
  shell.stop();
  const scenario = `AllocatorBacklog ${agents} agents × ${frameworks} frameworks`;
  return [{
    scenario,
    metric: `allocation runs after ${frameworks} revives`,
    unit: 'runs',
    median: median(runsPerRound),
    p99: Math.max(...runsPerRound),
    target: '≤ 2',
    params: { agents, frameworks, frameworks_subscribed: frameworkIds.length, runs_per_round: runsPerRound, rounds_ms: Math.round(tookMs) },
  }];
}

/**
 * Waits until no run has started for half a second, which is longer than a triggered run waits
 * at this size (as long as the last run took); bounded at 20 s.
 */
async function settle(shell: MasterShell): Promise<void> {
  let last = -1;
  for (let i = 0; i < 40 && shell.metrics.allocationRuns !== last; i++) {
    last = shell.metrics.allocationRuns;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
