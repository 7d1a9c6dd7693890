/**
 * The decisions of Mesos' command executor that need no IO: how a CommandInfo becomes a program
 * and argv, which environment a task sees, how long a kill may take, and which terminal state and
 * message an exit maps to. Pure, so the rules are unit-tested without starting processes.
 */
import type { CommandInfo, KillPolicy, TaskState, TaskStatusReason } from '../api/mesos.js';

/** Mesos' built-in kill grace period when neither the KILL nor the task names one. */
export const KILL_GRACE_PERIOD_DEFAULT_MS = 3_000;

/** How a task process ended, as the process layer reports it. */
export type TaskExit =
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: string }
  | { kind: 'launch-failed'; message: string }
  /** A kill (of the task or of its group) arrived before the command was started. */
  | { kind: 'killed-before-launch' };

/** The terminal update a task's end calls for. */
export interface TerminalOutcome {
  state: Extract<TaskState, 'TASK_FINISHED' | 'TASK_FAILED' | 'TASK_KILLED'>;
  message: string;
  reason?: TaskStatusReason;
}

/**
 * Mesos' command executor rules: status 0 finishes, anything else fails, and any end of a task we
 * were killing is TASK_KILLED, whatever the exit looked like (the task may trap SIGTERM and exit 0).
 */
export function terminalOutcomeOf(exit: TaskExit, killRequested: boolean, launchFailureReason: TaskStatusReason): TerminalOutcome {
  switch (exit.kind) {
    case 'launch-failed':
      return { state: 'TASK_FAILED', message: exit.message, reason: launchFailureReason };
    case 'killed-before-launch':
      return { state: 'TASK_KILLED', message: 'Task was killed before it was launched', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' };
    case 'exited': {
      const message = `Command exited with status ${exit.code}`;
      if (killRequested) return { state: 'TASK_KILLED', message };
      return { state: exit.code === 0 ? 'TASK_FINISHED' : 'TASK_FAILED', message };
    }
    case 'signaled': {
      const message = `Command terminated with signal ${exit.signal}`;
      return { state: killRequested ? 'TASK_KILLED' : 'TASK_FAILED', message };
    }
  }
}

/** The grace period of the first policy that names one (a KILL's policy before the task's), else 3 s. */
export function gracePeriodMsOf(...policies: ReadonlyArray<KillPolicy | undefined>): number {
  for (const policy of policies) {
    const nanoseconds = policy?.grace_period?.nanoseconds;
    if (nanoseconds !== undefined && Number.isFinite(nanoseconds)) return Math.max(0, Math.round(nanoseconds / 1e6));
  }
  return KILL_GRACE_PERIOD_DEFAULT_MS;
}

/** A program to exec: `file` is looked up on PATH unless absolute; `argv0` is what the task sees as $0. */
export type CommandLine = { ok: true; file: string; args: string[]; argv0: string } | { ok: false; message: string };

/**
 * `shell` (default true) runs `value` under `/bin/sh -c`; `shell: false` runs `value` as the program
 * with `arguments` as its whole argv, `arguments[0]` being argv0, exactly as Mesos does.
 */
export function commandLineOf(command: CommandInfo | undefined): CommandLine {
  if (command === undefined) return { ok: false, message: 'Task has no command' };
  const value = command.value;
  if (value === undefined || value.length === 0) return { ok: false, message: 'Task command has no value' };
  if (command.shell ?? true) return { ok: true, file: '/bin/sh', args: ['-c', execIfSimple(value)], argv0: 'sh' };
  const argv = command.arguments ?? [];
  return { ok: true, file: value, args: argv.slice(1), argv0: argv[0] ?? value };
}

/** Words the shell runs itself: `exec` would change or break them (`exit 3`, `cd`, `FOO=1`). */
const SHELL_BUILTINS = new Set([
  '.', ':', '[', 'alias', 'bg', 'break', 'cd', 'chdir', 'command', 'continue', 'echo', 'eval', 'exec', 'exit', 'export',
  'false', 'fc', 'fg', 'getopts', 'hash', 'jobs', 'kill', 'local', 'printf', 'pwd', 'read', 'readonly', 'return', 'set',
  'shift', 'test', 'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'wait',
]);
/** One program and plain arguments: nothing the shell would expand, redirect, chain or glob. */
const SIMPLE_COMMAND = /^[A-Za-z0-9_./-]+(?: +[A-Za-z0-9_./:=,+@%-]+)* *$/;

/**
 * `sleep 60` becomes `exec sleep 60`: the shell replaces itself with the program instead of
 * forking it and waiting, as bash does by itself. Same exit status, same signals, one process
 * per task instead of two — which halves process creation (slow on VMs) and memory per task.
 */
export function execIfSimple(value: string): string {
  const trimmed = value.trim();
  if (!SIMPLE_COMMAND.test(trimmed)) return value;
  const program = trimmed.split(' ', 1)[0] as string;
  return SHELL_BUILTINS.has(program) ? value : `exec ${trimmed}`;
}

/** Variables of the executor that a task must not see (Mesos strips the executor's token too). */
const HIDDEN_FROM_TASKS = new Set(['MESOS_EXECUTOR_AUTHENTICATION_TOKEN']);

/** The sources of a task's environment, lowest precedence first. */
export interface TaskEnvironmentInput {
  /** The host's own environment (the agent's, inherited), with Meridian's host settings removed. */
  inherited: Readonly<Record<string, string | undefined>>;
  /** The Mesos executor environment the agent sent with LAUNCH_EXECUTOR. */
  executor: Readonly<Record<string, string>>;
  sandbox: string;
  taskId: string;
  command: CommandInfo | undefined;
}

/**
 * Later sources win: inherited, then the executor's variables, then MESOS_SANDBOX and
 * MESOS_TASK_ID, then the task's own CommandInfo.environment (the framework has the last word, as
 * in Mesos). SECRET variables are skipped: Meridian resolves no secrets yet.
 */
export function taskEnvironmentOf(input: TaskEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.inherited)) {
    if (value !== undefined && !name.startsWith('MERIDIAN_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(input.executor)) env[name] = value;
  for (const name of HIDDEN_FROM_TASKS) delete env[name];
  env.MESOS_SANDBOX = input.executor.MESOS_SANDBOX ?? input.sandbox;
  env.MESOS_TASK_ID = input.taskId;
  for (const variable of input.command?.environment?.variables ?? []) {
    if (variable.type === 'SECRET') continue;
    env[variable.name] = variable.value ?? '';
  }
  return env;
}

/**
 * A task id becomes a directory name under `<sandbox>/tasks/`; ids that could escape it or name
 * nothing are refused (the master validates ids too, but the executor must not trust that).
 */
export function isSafePathSegment(id: string): boolean {
  return id.length > 0 && id !== '.' && id !== '..' && !id.includes('/') && !id.includes('\0');
}
