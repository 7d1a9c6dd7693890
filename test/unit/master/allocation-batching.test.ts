/**
 * Goal: a burst of allocation triggers (N revives arriving as separate requests) folds into a
 * couple of allocation runs, not N (Mesos' AllocatorBacklog, MESOS-6904), and a lone trigger on a
 * small cluster still runs at once.
 * Method: the real MasterShell over a real MasterCore, inputs stepped in directly, each revive in
 * its own turn of the event loop; the allocator made slow (15 ms a run, as a large cluster's is).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DrfAllocator } from '../../../src/allocator/drf-allocator.js';
import { SystemClock } from '../../../src/common/clock.js';
import type { FrameworkId } from '../../../src/common/ids.js';
import { createLogger } from '../../../src/common/log.js';
import { SeededRng } from '../../../src/common/rng.js';
import type { ConnectionId } from '../../../src/master/core/types.js';
import { MasterShell } from '../../../src/master/shell/master-shell.js';
import { makeCore } from './harness.js';

class SlowAllocator extends DrfAllocator {
  constructor(private readonly runMs: number) {
    super(new SeededRng(1));
  }

  override allocate(nowMs: number) {
    const until = performance.now() + this.runMs;
    while (performance.now() < until) { /* a large cluster's cycle */ }
    return super.allocate(nowMs);
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function cluster(runMs: number, frameworks: number): { shell: MasterShell; frameworkIds: FrameworkId[] } {
  const shell = new MasterShell(makeCore({}, new SlowAllocator(runMs)), new SystemClock(), createLogger('test', 'error'), { heartbeatIntervalMs: 0, allocationIntervalMs: 1000, agentPingTimeoutMs: 3_600_000 });
  const frameworkIds: FrameworkId[] = [];
  for (let i = 0; i < frameworks; i++) {
    const effects = shell.step({ kind: 'framework-subscribe', connectionId: `f${i}` as ConnectionId, call: { type: 'SUBSCRIBE', subscribe: { framework_info: { user: 'u', name: `f${i}` } } } });
    const opened = effects.find((effect) => effect.kind === 'framework-stream-open');
    if (opened?.kind === 'framework-stream-open') frameworkIds.push(opened.frameworkId);
  }
  shell.step({ kind: 'agent-subscribe', connectionId: 'a0' as ConnectionId, subscribe: { agent_info: { hostname: 'a0', port: 5051 }, resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 4 } }], version: '1.11.0' }, remoteIp: '127.0.0.1' });
  return { shell, frameworkIds };
}

test('50 revives in 50 turns of the event loop make at most two allocation runs', async () => {
  const { shell, frameworkIds } = cluster(15, 50);
  try {
    await sleep(100);
    const before = shell.metrics.allocationRuns;
    for (const frameworkId of frameworkIds) {
      shell.step({ kind: 'framework-call', frameworkId, call: { type: 'REVIVE', framework_id: { value: frameworkId } } });
      await turn();
    }
    await sleep(200);
    const runs = shell.metrics.allocationRuns - before;
    // One run per revive (50) is what batching prevents; a busy machine may split the burst once more.
    assert.ok(runs >= 1 && runs <= 3, `${runs} runs`);
  } finally {
    shell.stop();
  }
});

test('a lone trigger on a fast cluster runs without waiting for the allocation interval', async () => {
  const { shell, frameworkIds } = cluster(0, 1);
  try {
    await sleep(20);
    const before = shell.metrics.allocationRuns;
    shell.step({ kind: 'framework-call', frameworkId: frameworkIds[0] as FrameworkId, call: { type: 'REVIVE', framework_id: { value: frameworkIds[0] as string } } });
    // The interval is a second; a triggered run waits at most as long as the last run took (well under 100 ms here).
    await sleep(100);
    assert.equal(shell.metrics.allocationRuns - before, 1);
  } finally {
    shell.stop();
  }
});

test('the triggers waiting for the next run are counted, and the run takes them all', async () => {
  const { shell, frameworkIds } = cluster(0, 5);
  try {
    await sleep(50);
    for (const frameworkId of frameworkIds) shell.step({ kind: 'framework-call', frameworkId, call: { type: 'REVIVE', framework_id: { value: frameworkId } } });
    assert.equal(shell.metrics.triggersWaiting, 5);
    const before = shell.metrics.allocationRuns;
    await sleep(100);
    assert.equal(shell.metrics.triggersWaiting, 0);
    assert.equal(shell.metrics.allocationRuns - before, 1);
  } finally {
    shell.stop();
  }
});
