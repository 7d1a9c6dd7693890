/**
 * Goal: the shell carries out nothing that follows a registry change until that change is durable
 * (an agent must not hear its id before its admission is on disk), keeps the core's order while it
 * waits, lets reads of the core (logs, state changes) through at once, and stops the master when
 * a write fails.
 * Method: the real MasterShell over a scripted core (each step answers the effects given to it)
 * and a registry whose commits the test completes or fails by hand. A `set-timer` at "now" is the
 * observable effect: once carried out, it comes back as a `timer` step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemClock } from '../../../src/common/clock.js';
import { createLogger } from '../../../src/common/log.js';
import type { MasterCore } from '../../../src/master/core/master-core.js';
import type { Effect, MasterInput, RegistryChange } from '../../../src/master/core/types.js';
import type { RegistryWriter } from '../../../src/master/shell/agent-registry-store.js';
import { MasterShell } from '../../../src/master/shell/master-shell.js';

/** A registry whose commits the test decides. */
class ManualRegistry implements RegistryWriter {
  appendedSeq = 0;
  durableSeq = 0;
  readonly changes: RegistryChange[] = [];
  private waiters: Array<{ seq: number; resolve: () => void; reject: (error: Error) => void }> = [];

  append(change: RegistryChange): number {
    this.changes.push(change);
    return ++this.appendedSeq;
  }

  whenDurable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  commit(): void {
    this.durableSeq = this.appendedSeq;
    const ready = this.waiters.filter((waiter) => waiter.seq <= this.durableSeq);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > this.durableSeq);
    for (const waiter of ready) waiter.resolve();
  }

  fail(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
  }
}

/** A core that answers each step with the next scripted effects, and records what it was given. */
function scriptedCore(script: Effect[][]): { core: MasterCore; inputs: MasterInput[] } {
  const inputs: MasterInput[] = [];
  const core = { step: (input: MasterInput) => (inputs.push(input), script.shift() ?? []) } as unknown as MasterCore;
  return { core, inputs };
}

const admit: RegistryChange = { kind: 'admit-agent', agentId: 'a1' as never, info: { hostname: 'h', port: 5051 } };
const timerAt = (name: string): Effect => ({ kind: 'set-timer', key: { kind: 'operation-status-retry', frameworkId: name as never }, atMs: 0 });
const settle = (ms = 30) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const firedTimers = (inputs: MasterInput[]) => inputs.flatMap((input) => (input.kind === 'timer' && input.key.kind === 'operation-status-retry' ? [input.key.frameworkId] : []));

function shellOf(core: MasterCore, registry: ManualRegistry, onRegistryFailure?: (error: Error) => void): MasterShell {
  return new MasterShell(core, new SystemClock(), createLogger('test', 'fatal'), {
    heartbeatIntervalMs: 0, allocationIntervalMs: 1000, agentPingTimeoutMs: 3_600_000, registry, ...(onRegistryFailure ? { onRegistryFailure } : {}),
  });
}

test('effects after a registry change wait for it to be durable, in order, and reads go at once', async () => {
  const registry = new ManualRegistry();
  const { core, inputs } = scriptedCore([
    [timerAt('before'), { kind: 'persist', change: admit }, timerAt('after-1'), { kind: 'log', level: 'info', message: 'read' }],
    [timerAt('after-2')],
  ]);
  const shell = shellOf(core, registry);
  try {
    shell.step({ kind: 'allocate' });
    shell.step({ kind: 'allocate' });
    await settle();
    assert.deepEqual(firedTimers(inputs), ['before'], 'only what came before the change was carried out');
    assert.deepEqual(registry.changes, [admit]);
    registry.commit();
    await settle();
    assert.deepEqual(firedTimers(inputs), ['before', 'after-1', 'after-2'], 'once durable, the rest in the order the core made them');
  } finally {
    shell.stop();
  }
});

test('with nothing waiting, effects are carried out at once', async () => {
  const registry = new ManualRegistry();
  const { core, inputs } = scriptedCore([[timerAt('now')]]);
  const shell = shellOf(core, registry);
  try {
    shell.step({ kind: 'allocate' });
    await settle();
    assert.deepEqual(firedTimers(inputs), ['now']);
  } finally {
    shell.stop();
  }
});

test('a failed registry write drops what waited and stops the master', async () => {
  const registry = new ManualRegistry();
  const { core, inputs } = scriptedCore([[{ kind: 'persist', change: admit }, timerAt('never')]]);
  const failures: Error[] = [];
  const shell = shellOf(core, registry, (error) => failures.push(error));
  try {
    shell.step({ kind: 'allocate' });
    registry.fail(new Error('disk full'));
    await settle();
    assert.deepEqual(firedTimers(inputs), [], 'nothing that depended on the write was carried out');
    assert.deepEqual(failures.map((error) => error.message), ['disk full']);
  } finally {
    shell.stop();
  }
});
