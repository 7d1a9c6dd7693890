/**
 * Goal: a kill sent the moment a task is reported started is a SIGTERM the task receives, not one
 * lost because the task had not yet made its own process group (the perl fork server reports a
 * child as soon as it is forked), which left the task to be SIGKILLed when the grace period ran out.
 * Method: real processes through the launcher the executor uses (the perl fork server where perl
 * is installed); each task is `sleep 60` in a shell, killed from its started callback with a
 * grace period long enough that a lost SIGTERM shows as SIGKILL. Before the fix, 92 of 100 such
 * kills ended by SIGKILL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskProcess } from '../../../src/executor/task-process.js';
import type { TaskExit } from '../../../src/executor/task-outcome.js';

const TASKS = 20;
const GRACE_MS = 5_000;

test('a task killed as soon as it starts ends by SIGTERM, every time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-kill-'));
  try {
    const endings: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const exit = await new Promise<TaskExit>((resolve) => {
        // Started may be called from within start (no helper process): kill once both are known.
        let task: TaskProcess | null = null;
        let started = false;
        const killIfReady = () => {
          if (task !== null && started) task.kill(GRACE_MS, Date.now());
        };
        task = TaskProcess.start(
          {
            commandLine: { ok: true, file: '/bin/sh', argv0: 'sh', args: ['-c', 'sleep 60'] },
            cwd: dir, env: { PATH: '/usr/bin:/bin' }, stdoutPath: join(dir, 'stdout'), stderrPath: join(dir, 'stderr'),
          },
          resolve,
          () => {
            started = true;
            killIfReady();
          },
        );
        killIfReady();
      });
      endings.push(exit.kind === 'signaled' ? exit.signal : exit.kind);
    }
    assert.deepEqual(endings, Array.from({ length: TASKS }, () => 'SIGTERM'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
