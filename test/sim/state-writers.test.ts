/**
 * Goal: the state writers' kept texts never go stale. Both writers (v0 `/master/state` and the
 * Operator API's GET_STATE) keep what they wrote and rewrite only what they find changed; under
 * everything a cluster does — launches, status updates, acknowledgements, agents crashing and
 * coming back, frameworks failing over, offers made and rescinded — a writer that kept its texts
 * must write exactly what a fresh one writes.
 * Method: the deterministic simulator with faults; every few steps, the kept writers (one pair
 * per master generation) against fresh ones, compared byte for byte. After every step, each
 * framework's `taskChanges` (which lets the writers skip looking at its tasks) must have moved if
 * anything the writers read of its tasks did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/sim/simulator.js';
import type { MasterCore } from '../../src/master/core/master-core.js';
import type { FrameworkRecord } from '../../src/master/core/state.js';
import { JsonChunks } from '../../src/master/shell/json-pieces.js';
import { OperatorStateWriter } from '../../src/master/shell/operator-state.js';
import { answerText } from '../unit/master/harness.js';
import { MasterStateWriter } from '../../src/master/shell/state-writer.js';
import type { MasterIdentity } from '../../src/master/shell/state-json.js';

const STEPS = 4_000;
const CHECK_EVERY = 20;
const IDENTITY: MasterIdentity = { version: '1.11.0', buildDate: '', startTimeMs: 0, electedTimeMs: 0, pid: 'master@sim:5050', hostname: 'sim', flags: {} };

const v1State = (writer: OperatorStateWriter): string => {
  const out = new JsonChunks();
  writer.writeState(out);
  return answerText(out.answer());
};
const v0State = (writer: MasterStateWriter, nowMs: number): string => answerText(writer.state(IDENTITY, nowMs));

/** What the writers read of a framework's tasks, flattened: tasks by identity, and what the core changes in place. */
function taskFacts(framework: FrameworkRecord): unknown[] {
  const facts: unknown[] = [];
  const add = (list: string, task: FrameworkRecord['completedTasks'][number]) => facts.push(
    list, task, task.state, task.statuses.length, task.statuses[task.statuses.length - 1], task.status_update_state, task.status_update_uuid,
  );
  for (const record of framework.tasks.values()) add('live', record.task);
  for (const record of framework.unreachableTasks.values()) add('unreachable', record.task);
  for (const task of framework.completedTasks) add('completed', task);
  return facts;
}

const sameFacts = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((fact, i) => fact === b[i]);

const seed = Number(process.env.MERIDIAN_SEED ?? 4);

test(`simulation seed ${seed}: kept state texts equal fresh ones after every change (${STEPS} steps, faults)`, () => {
  const sim = new Simulator({
    seed, agents: 30, frameworks: 5, agentCrashRatio: 0.002, agentRestartRatio: 0.05, frameworkDisconnectRatio: 0.003, masterFailoverRatio: 0.0005,
  });
  let core: MasterCore | null = null;
  let v1 = new OperatorStateWriter(sim.core);
  let v0 = new MasterStateWriter(sim.core);
  let checks = 0;
  const seen = new Map<FrameworkRecord, { taskChanges: number; facts: unknown[] }>();
  for (let step = 0; step < STEPS; step++) {
    sim.tick();
    for (const framework of sim.core.frameworks.values()) {
      const facts = taskFacts(framework);
      const before = seen.get(framework);
      if (before && before.taskChanges === framework.taskChanges && !sameFacts(before.facts, facts)) {
        assert.fail(`step ${sim.stepNumber}: framework ${framework.id}'s tasks changed but its taskChanges stayed ${framework.taskChanges} (replay: MERIDIAN_SEED=${seed})`);
      }
      seen.set(framework, { taskChanges: framework.taskChanges, facts });
    }
    if (sim.core !== core) {
      // A master failover: a new core, and new writers with it.
      core = sim.core;
      v1 = new OperatorStateWriter(core);
      v0 = new MasterStateWriter(core);
    }
    if (step % CHECK_EVERY !== 0) continue;
    const where = `step ${sim.stepNumber} (replay: MERIDIAN_SEED=${seed})`;
    assert.equal(v1State(v1), v1State(new OperatorStateWriter(core)), `GET_STATE, ${where}`);
    assert.equal(v0State(v0, sim.nowMs), v0State(new MasterStateWriter(core), sim.nowMs), `/master/state, ${where}`);
    checks++;
  }
  const tasks = [...sim.core.frameworks.values()].reduce((n, f) => n + f.tasks.size + f.completedTasks.length, 0);
  assert.ok(checks >= STEPS / CHECK_EVERY - 1 && tasks > 50, `the cluster did work (${tasks} tasks listed, ${checks} checks)`);
});
