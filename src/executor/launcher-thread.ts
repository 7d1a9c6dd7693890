/**
 * The body of the task launcher's worker thread (see task-launcher.ts): it opens each task's output
 * files and spawns the task, and reports when the process exists and when it ends. Spawning
 * blocks the calling thread until the child has exec'd (milliseconds on a VM); here that blocks
 * this thread only, never the executor host's event loop.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { LauncherReply, LauncherRequest } from './task-launcher.js';

const port = parentPort;
if (port === null) throw new Error('launcher-thread.js runs as a worker thread');

const reply = (message: LauncherReply) => port.postMessage(message);

port.on('message', (request: LauncherRequest) => {
  let stdoutFd: number | null = null;
  let stderrFd: number | null = null;
  try {
    stdoutFd = fs.openSync(request.stdoutPath, 'a');
    stderrFd = fs.openSync(request.stderrPath, 'a');
    const child = spawn(request.file, request.args, {
      argv0: request.argv0,
      cwd: request.cwd,
      env: request.env,
      stdio: ['ignore', stdoutFd, stderrFd],
      detached: true,
    });
    let started = false;
    if (child.pid !== undefined) {
      started = true;
      reply({ kind: 'started', id: request.id, pid: child.pid });
    }
    child.on('error', (error) => {
      // After a successful spawn, 'error' only reports a failed kill, which we never ask of it.
      if (!started) reply({ kind: 'failed', id: request.id, message: `Failed to launch the command: ${error.message}` });
    });
    child.once('exit', (code, signal) => {
      if (started) reply({ kind: 'exited', id: request.id, code, signal });
    });
  } catch (error) {
    reply({ kind: 'failed', id: request.id, message: `Failed to launch the command: ${(error as Error).message}` });
  } finally {
    // The child holds its own copies; the launcher must not leak a pair of descriptors per task.
    if (stdoutFd !== null) fs.closeSync(stdoutFd);
    if (stderrFd !== null) fs.closeSync(stderrFd);
  }
});
