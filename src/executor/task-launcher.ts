/**
 * Starts task processes on a worker thread of the executor host, where perl is missing.
 *
 * Why: Node's spawn forks and then blocks its thread until the child has exec'd — 1 to 6 ms per
 * task on a VM. On the host's main thread that would stall every executor's status updates for
 * as long, once per task; on a worker thread it stalls nothing. (The perl helper of
 * fork-server.ts is cheaper still, and preferred.)
 */
import { Worker } from 'node:worker_threads';
import type { TaskExit } from './task-outcome.js';

export interface SpawnRequest {
  file: string;
  argv0: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  stdoutPath: string;
  stderrPath: string;
}

export type LauncherRequest = SpawnRequest & { id: number };

export type LauncherReply =
  | { kind: 'started'; id: number; pid: number }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'exited'; id: number; code: number | null; signal: NodeJS.Signals | null };

export interface SpawnHandlers {
  started(pid: number): void;
  exited(exit: TaskExit): void;
}

interface Pending {
  handlers: SpawnHandlers;
  pid: number | null;
}

/**
 * A launcher died, so these tasks' ends can no longer be observed: kill their process groups and
 * report them ended, rather than leave tasks nobody watches.
 */
export function abandonTasks(tasks: Iterable<{ handlers: SpawnHandlers; pid: number | null }>, message: string): void {
  for (const task of tasks) {
    if (task.pid !== null) {
      try {
        process.kill(-task.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    task.handlers.exited({ kind: 'launch-failed', message });
  }
}

export class TaskLauncher {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: LauncherReply) => this.onReply(reply));
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    // Only tasks it watches keep the process alive, not an idle launcher.
    worker.unref();
  }

  /** Starts the worker thread; null if it cannot run here (the caller then spawns itself). */
  static start(): TaskLauncher | null {
    try {
      return new TaskLauncher(new Worker(new URL('./launcher-thread.js', import.meta.url)));
    } catch {
      return null;
    }
  }

  get usable(): boolean {
    return !this.broken;
  }

  spawn(request: SpawnRequest, handlers: SpawnHandlers): void {
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(id, { handlers, pid: null });
    this.worker.postMessage({ ...request, id } satisfies LauncherRequest);
  }

  /** Ends the worker thread; the tasks it started are neither killed nor watched any more. */
  stop(): void {
    this.broken = true;
    void this.worker.terminate();
  }

  private onReply(reply: LauncherReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.kind !== 'started' && this.pending.size === 1) this.worker.unref();
    switch (reply.kind) {
      case 'started':
        pending.pid = reply.pid;
        pending.handlers.started(reply.pid);
        return;
      case 'failed':
        this.pending.delete(reply.id);
        pending.handlers.exited({ kind: 'launch-failed', message: reply.message });
        return;
      case 'exited':
        this.pending.delete(reply.id);
        if (reply.signal !== null) pending.handlers.exited({ kind: 'signaled', signal: reply.signal });
        else pending.handlers.exited({ kind: 'exited', code: reply.code ?? 0 });
        return;
    }
  }

  /** The worker died: its tasks can no longer be watched, so they are ended and reported. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    abandonTasks(this.pending.values(), 'The task launcher of the executor host stopped');
    this.pending.clear();
  }
}
