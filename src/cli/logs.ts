/**
 * `meridian logs TASK_ID [--stderr] [--follow] [--tail N]`: prints a task's stdout (or stderr)
 * from its sandbox. The master says where the task runs (GET_TASKS); the agent's `/state`, asked
 * through the master (`/agent/<id>/state`), says where its sandbox is; the file is read through
 * the master too (`/agent/<id>/files/read`), so this works wherever the master is reachable,
 * even when the agents' addresses are not. `--follow` keeps reading by offset until the task has
 * ended and the file is read to its end. Exit codes: 0 printed, 1 no such task or sandbox (or the
 * master could not be reached), 130 stopped by Ctrl-C; bad flags are FlagErrors naming the flag.
 */
import { FlagError, type FlagValues } from '../common/flags.js';
import { byteLengthOf, READ_BYTES_MAX, tailStartOffset, type ReadText } from './views/log-reading.js';
import { MasterAnswerError, MasterClient, MasterUnreachableError, parseMasters } from './views/master-client.js';
import type { GetTasksJson, TaskJson } from './views/operator-json.js';
import { findTask, sandboxOf, type AgentStateJson } from './views/sandbox.js';
import { isTerminal } from './views/task-states.js';

export interface LogsOptions {
  client: MasterClient;
  taskId: string;
  frameworkId: string | null;
  file: 'stdout' | 'stderr';
  follow: boolean;
  /** Start with the last this many lines; null prints the whole file. */
  tailLines: number | null;
  /** Writes text as it comes (resolves once the text is taken, so a slow reader slows the reads). */
  write: (text: string) => Promise<void>;
  err: (line: string) => void;
  /** Aborting (Ctrl-C) stops `--follow`; the command then ends with 130. */
  signal?: AbortSignal;
  /** How long `--follow` waits when there is nothing new. */
  pollMs?: number;
}

export const EXIT_PRINTED = 0;
export const EXIT_FAILED = 1;
export const EXIT_INTERRUPTED = 130;
/** How often `--follow` waits for new output by default. */
export const FOLLOW_POLL_MS = 500;
/** `--follow` asks the master whether the task has ended at most this often. */
const TASK_CHECK_MS = 1_000;
/** Failed reads in a row that `--follow` rides out (an agent or master restarting) before it gives up. */
const FOLLOW_FAILURES_MAX = 40;
/** Bound on `--tail`: more lines than this is the whole file for any log worth a terminal. */
export const TAIL_LINES_MAX = 10_000_000;

/** Converts the values of LOGS_FLAGS into LogsOptions; throws FlagError naming the flag. */
export function logsOptionsFromFlags(taskId: string, values: FlagValues, write: LogsOptions['write'], err: LogsOptions['err']): LogsOptions {
  if (taskId.trim() === '') throw new FlagError('TASK_ID: must not be empty');
  const client = new MasterClient(parseMasters(String(values.master ?? '127.0.0.1:5050')));
  let tailLines: number | null = null;
  if (values.tail !== undefined) {
    tailLines = Number(values.tail);
    if (tailLines < 0 || tailLines > TAIL_LINES_MAX) throw new FlagError(`--tail: must be between 0 and ${TAIL_LINES_MAX}, not ${tailLines}`);
  }
  const framework = values.framework === undefined ? null : String(values.framework).trim();
  if (framework === '') throw new FlagError('--framework: must not be empty');
  return {
    client, taskId, frameworkId: framework, file: values.stderr === true ? 'stderr' : 'stdout', follow: values.follow === true, tailLines, write, err,
  };
}

/** Raised when the agent has no such file (404): the sandbox is gone, or the task has not started yet. */
class FileMissingError extends Error {
  override name = 'FileMissingError';
}

/** Reads of one sandbox file through the master's pass-through to the agent. */
class SandboxFile {
  constructor(private readonly client: MasterClient, private readonly agentId: string, readonly path: string) {}

  /** The file's size: `/files/read` with offset -1 answers no data at offset = size. */
  async size(): Promise<number> {
    return (await this.readAnswer(-1, 0)).offset;
  }

  readonly read: ReadText = async (offset, length) => (await this.readAnswer(offset, length)).data;

  private async readAnswer(offset: number, length: number): Promise<{ data: string; offset: number }> {
    const query = `path=${encodeURIComponent(this.path)}&offset=${offset}&length=${length}`;
    const answer = await this.client.get(`/agent/${encodeURIComponent(this.agentId)}/files/read?${query}`);
    if (answer.status === 404) throw new FileMissingError(answer.body.trim());
    if (answer.status !== 200) throw new MasterAnswerError(answer.status, answer.body, `reading ${this.path} on agent ${this.agentId}`);
    const parsed = JSON.parse(answer.body) as { data?: unknown; offset?: unknown };
    if (typeof parsed.data !== 'string' || typeof parsed.offset !== 'number') {
      throw new MasterAnswerError(answer.status, 'the answer is not {data, offset}', `reading ${this.path} on agent ${this.agentId}`);
    }
    return { data: parsed.data, offset: parsed.offset };
  }
}

/** Runs `meridian logs`; resolves with the exit code. */
export async function logsCommand(options: LogsOptions): Promise<number> {
  try {
    return await printLogs(options);
  } catch (error) {
    if (error instanceof MasterUnreachableError || error instanceof MasterAnswerError) {
      options.err(`meridian logs: ${error.message}`);
      return EXIT_FAILED;
    }
    if (error instanceof SyntaxError) {
      options.err(`meridian logs: the master's answer is not JSON: ${error.message}`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

async function printLogs(options: LogsOptions): Promise<number> {
  const found = findTask(await options.client.call<GetTasksJson>('GET_TASKS'), options.taskId, options.frameworkId);
  if (!found.ok) {
    options.err(`meridian logs: ${found.message}`);
    return EXIT_FAILED;
  }
  const { task, executorId } = found;
  const agentId = task.agent_id?.value as string;
  const agentState = await options.client.get(`/agent/${encodeURIComponent(agentId)}/state`);
  if (agentState.status === 404) {
    options.err(`meridian logs: task ${options.taskId} ran on agent ${agentId}, which is no longer registered with the master, so its sandbox cannot be read`);
    return EXIT_FAILED;
  }
  if (agentState.status !== 200) throw new MasterAnswerError(agentState.status, agentState.body, `asking agent ${agentId} for its state`);
  const directory = sandboxOf(JSON.parse(agentState.body) as AgentStateJson, task.framework_id.value, executorId, options.taskId);
  const file = new SandboxFile(options.client, agentId, `${directory.replace(/\/+$/, '')}/${options.file}`);
  const missing = (error: FileMissingError) => {
    const state = isTerminal(task.state) ? `it ended (${task.state}) and its sandbox is gone` : `it has not started yet (${task.state})`;
    options.err(`meridian logs: task ${options.taskId} has no ${options.file} on agent ${agentId}: ${state}; the agent says: ${error.message}`);
    return EXIT_FAILED;
  };

  let size: number;
  try {
    size = await file.size();
  } catch (error) {
    if (!(error instanceof FileMissingError)) throw error;
    // A task that is still starting writes its files soon: --follow waits for them.
    if (!options.follow || isTerminal(task.state)) return missing(error);
    return follow(options, file, task, 0);
  }
  const start = options.tailLines === null ? 0 : await tailStartOffset(file.read, size, options.tailLines);
  try {
    const offset = await copy(file, start, size, options);
    return options.follow ? await follow(options, file, task, offset) : EXIT_PRINTED;
  } catch (error) {
    if (error instanceof FileMissingError) return missing(error);
    throw error;
  }
}

/** Prints the file from `offset` up to `end` (or its end, whichever comes first); resolves with the next offset. */
async function copy(file: SandboxFile, offset: number, end: number, options: LogsOptions): Promise<number> {
  let next = offset;
  while (next < end) {
    const text = await file.read(next, Math.min(READ_BYTES_MAX, end - next));
    if (text === '') break;
    await options.write(text);
    next += byteLengthOf(text);
  }
  return next;
}

/**
 * `--follow`: reads on from `offset` while the task runs. Once the master says the task has
 * ended, one more read to the end of the file, then done. A file that is not there yet is waited
 * for while the task has not ended (it may still be fetching); other failures in a row (an agent
 * or the master restarting) are ridden out up to FOLLOW_FAILURES_MAX, then the last is reported.
 */
async function follow(options: LogsOptions, file: SandboxFile, initial: TaskJson, offset: number): Promise<number> {
  const pollMs = options.pollMs ?? FOLLOW_POLL_MS;
  let next = offset;
  let ended = isTerminal(initial.state);
  let checkedAtMs = Date.now();
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted) return EXIT_INTERRUPTED;
    let text = '';
    let readFailed = false;
    try {
      text = await file.read(next, READ_BYTES_MAX);
      failures = 0;
    } catch (error) {
      if (!(error instanceof FileMissingError || error instanceof MasterUnreachableError || error instanceof MasterAnswerError)) throw error;
      readFailed = true;
      const missing = error instanceof FileMissingError;
      if ((missing && ended) || (!missing && ++failures >= FOLLOW_FAILURES_MAX)) {
        options.err(`meridian logs: stopped following ${file.path}: ${error.message}`);
        return EXIT_FAILED;
      }
    }
    if (text !== '') {
      await options.write(text);
      next += byteLengthOf(text);
      continue;
    }
    if (ended && !readFailed) return EXIT_PRINTED;
    if (Date.now() - checkedAtMs >= TASK_CHECK_MS) {
      checkedAtMs = Date.now();
      ended = await hasEnded(options).catch(() => false);
      if (ended) continue; // Read once more: what the task wrote before it ended.
    }
    await sleep(pollMs, options.signal);
  }
}

/** Whether the task has ended, as the master sees it now; a task it no longer knows has ended long ago. */
async function hasEnded(options: LogsOptions): Promise<boolean> {
  const found = findTask(await options.client.call<GetTasksJson>('GET_TASKS'), options.taskId, options.frameworkId);
  return !found.ok || isTerminal(found.task.state);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
