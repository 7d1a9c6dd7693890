/**
 * Goal: each way the executor host starts task processes (the perl fork server, the worker
 * thread) reports every process exactly once as started and once as ended — also in a burst while
 * the host's thread is busy, which is when the helper's reports back up (a lost report once left
 * tasks in TASK_STARTING or TASK_RUNNING forever). Failures to start come back as launch-failed.
 *
 * Method: real processes (`true`, `exit 7`, a missing program) through each launcher; the host's
 * thread is blocked with a busy loop right after the burst is asked for. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ForkServer } from '../../../src/executor/fork-server.js';
import { TaskLauncher, type SpawnRequest } from '../../../src/executor/task-launcher.js';
import type { TaskExit } from '../../../src/executor/task-outcome.js';

interface Launcher {
  stop(): void;
  spawn(request: SpawnRequest, handlers: { started(pid: number): void; exited(exit: TaskExit): void }): void;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-launchers-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const request = (script: string, file = '/bin/sh'): SpawnRequest => ({
  file,
  argv0: 'sh',
  args: ['-c', script],
  cwd: root,
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  stdoutPath: path.join(root, 'stdout'),
  stderrPath: path.join(root, 'stderr'),
});

interface Outcome {
  started: number;
  exits: TaskExit[];
}

/** Spawns `count` processes, blocks this thread for `busyMs`, and waits for every exit (bounded). */
async function burst(launcher: Launcher, count: number, script: string, busyMs: number, file?: string, timeoutMs = 30_000): Promise<Outcome[]> {
  const outcomes: Outcome[] = Array.from({ length: count }, () => ({ started: 0, exits: [] }));
  let ended = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${ended} of ${count} processes reported their end within ${timeoutMs} ms`)), timeoutMs);
    outcomes.forEach((outcome) => {
      launcher.spawn(request(script, file), {
        started: () => void outcome.started++,
        exited: (exit) => {
          outcome.exits.push(exit);
          if (++ended === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  });
  const until = Date.now() + busyMs;
  while (Date.now() < until) {
    // Busy: the launcher's reports pile up unread meanwhile.
  }
  await done;
  // Duplicates would arrive after the last first report: give them a moment.
  await new Promise((resolve) => setTimeout(resolve, busyMs > 0 ? 200 : 5));
  return outcomes;
}

const launchers: Array<[string, () => Launcher | null]> = [
  ['perl fork server', () => ForkServer.start()],
  ['worker thread', () => TaskLauncher.start()],
];

for (const [name, start] of launchers) {
  describe(`task launcher: ${name}`, () => {
    const launcher = start();
    after(() => launcher?.stop());

    test('a burst while the host is busy: every process started and ended exactly once', { skip: launcher === null ? 'not available here' : false }, async () => {
      const outcomes = await burst(launcher as Launcher, 600, 'true', 1500);
      assert.deepEqual(outcomes.filter((o) => o.started !== 1).length, 0, 'each process reported started once');
      assert.deepEqual(outcomes.filter((o) => o.exits.length !== 1).length, 0, 'each process reported ended once');
      assert.ok(outcomes.every((o) => o.exits[0]?.kind === 'exited' && o.exits[0].code === 0));
    });

    test('small bursts one after another: the last process of each is reported too', { skip: launcher === null ? 'not available here' : false }, async () => {
      // Processes ending close together, with nothing else to wake the launcher afterwards, once
      // left the last of a burst unreported until the next launch.
      for (let round = 0; round < 100; round++) {
        const outcomes = await burst(launcher as Launcher, 8, 'true', 0, undefined, 10_000);
        assert.ok(outcomes.every((o) => o.exits.length === 1), `round ${round}`);
      }
    });

    test('exit codes come back', { skip: launcher === null ? 'not available here' : false }, async () => {
      const [outcome] = await burst(launcher as Launcher, 1, 'exit 7', 0);
      assert.deepEqual(outcome?.exits, [{ kind: 'exited', code: 7 }]);
    });

    test('a program that does not exist is a launch failure', { skip: launcher === null ? 'not available here' : false }, async () => {
      const [outcome] = await burst(launcher as Launcher, 1, '', 0, path.join(root, 'no-such-program'));
      assert.equal(outcome?.exits.length, 1);
      assert.equal(outcome?.exits[0]?.kind, 'launch-failed');
    });
  });
}
