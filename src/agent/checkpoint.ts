/**
 * The agent's checkpoint: one append-only journal (`<work_dir>/meta/journal`) of everything the
 * agent has taken on — its id, frameworks, executors, tasks, status updates and their
 * acknowledgements — written before the agent acts on it. One open file and one write per record
 * keep checkpointing cheap at hundreds of tasks a second; replaying the journal after a restart
 * gives back the executors, tasks and unacknowledged updates. It is rewritten with only what is
 * still live when the agent starts and whenever it has grown large.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { readLogCuttingTornTail } from '../common/durable-file.js';
import { validateCheckpointResources, type StatusUpdate } from '../api/agent-link/messages.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, TaskInfo } from '../api/mesos.js';

export type ExecutorKind = 'command' | 'default' | 'custom';

/** What is checkpointed of an executor besides its ExecutorInfo. */
export interface ExecutorCheckpoint {
  info: ExecutorInfo;
  kind: ExecutorKind;
  containerId: string;
  directory: string;
  /** Process id of a custom executor, which the agent launched itself. */
  pid?: number;
}

export type UpdateRecord = { update: StatusUpdate } | { ack: string };

/** One line of the journal. */
export type JournalRecord =
  | { t: 'agent'; agentId: string; info: AgentInfo }
  | { t: 'framework'; info: FrameworkInfo }
  | { t: 'executor'; frameworkId: string; checkpoint: ExecutorCheckpoint }
  | { t: 'task'; frameworkId: string; executorId: string; info: TaskInfo }
  | { t: 'update'; frameworkId: string; executorId: string; taskId: string; update: StatusUpdate }
  | { t: 'ack'; frameworkId: string; executorId: string; taskId: string; uuid: string }
  /** The executor ended and all its updates were acknowledged: forget it and its tasks. */
  | { t: 'executor-done'; frameworkId: string; executorId: string };

export interface RecoveredTask {
  info: TaskInfo;
  records: UpdateRecord[];
}

export interface RecoveredExecutor {
  checkpoint: ExecutorCheckpoint;
  tasks: RecoveredTask[];
}

export interface RecoveredFramework {
  info: FrameworkInfo;
  executors: RecoveredExecutor[];
}

export interface RecoveredAgent {
  agentId: string;
  info: AgentInfo;
  frameworks: RecoveredFramework[];
}

/** Rewrite the journal once it holds this many bytes (and mostly history). */
const COMPACT_BYTES = 32 * 1024 * 1024;

/**
 * Replaces `file` with `value` as JSON, all or nothing: written aside and synced, renamed over the
 * file, then the folder synced, so after a crash the file holds the old value or the new one, and a
 * caller that acts after this returns never acts on a value that a power loss could take back.
 */
export function writeJsonAtomic(file: string, value: unknown): void {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, JSON.stringify(value));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  const folderFd = openSync(folder, 'r');
  try {
    fsyncSync(folderFd);
  } finally {
    closeSync(folderFd);
  }
}

/** What `<work_dir>/meta/resources.json` holds: the agent's dynamically reserved resources. */
export interface CheckpointedResources {
  resources: Resource[];
}

/**
 * The dynamic reservations an agent saved, or none when it never saved any (a fresh work dir). A
 * file that cannot be read back is an error, not "none": starting without reservations the master
 * granted would hand reserved resources to anyone.
 * @throws Error naming the file and the problem.
 */
export function recoverCheckpointedResources(file: string): Resource[] {
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Failed to recover the checkpointed resources in ${file}: ${(error as Error).message}`, { cause: error });
  }
  const checked = validateCheckpointResources(parsed);
  if (!checked.ok) throw new Error(`Failed to recover the checkpointed resources in ${file}: ${checked.error}`);
  return checked.value.resources;
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** What replaying a journal found: the state, and the lines it could not read (with strict off). */
export interface Replayed {
  state: RecoveredAgent | null;
  /** One message per unreadable line, naming the line. */
  errors: string[];
}

/**
 * Replays journal lines into the live state they describe. A torn last line (no newline after it:
 * a crash mid-write) is expected and dropped. A whole line that is not a record means the file was
 * damaged: as Mesos' `--strict` (the default) does, that is fatal, since going on would silently
 * forget every task launched after it; with `strict` off the line is skipped and counted.
 * @throws Error naming the line, when strict.
 */
export function replayJournal(text: string, strict = true): Replayed {
  const errors: string[] = [];
  let agent: { agentId: string; info: AgentInfo } | null = null;
  const frameworks = new Map<string, { info: FrameworkInfo; executors: Map<string, { checkpoint: ExecutorCheckpoint; tasks: Map<string, RecoveredTask> }> }>();
  const executorOf = (frameworkId: string, executorId: string) => frameworks.get(frameworkId)?.executors.get(executorId);
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch (error) {
      // After the last newline: a record cut short by a crash.
      if (index === lines.length - 1) break;
      const problem = `line ${index + 1} is not a record (${(error as Error).message})`;
      if (strict) throw new Error(`${problem}; start the agent with --strict=false to skip it and recover the rest`);
      errors.push(problem);
      continue;
    }
    switch (record.t) {
      case 'agent':
        agent = { agentId: record.agentId, info: record.info };
        break;
      case 'framework': {
        const id = record.info.id?.value ?? '';
        const existing = frameworks.get(id);
        if (existing) existing.info = record.info;
        else frameworks.set(id, { info: record.info, executors: new Map() });
        break;
      }
      case 'executor':
        frameworks.get(record.frameworkId)?.executors.set(record.checkpoint.info.executor_id.value, { checkpoint: record.checkpoint, tasks: new Map() });
        break;
      case 'task':
        executorOf(record.frameworkId, record.executorId)?.tasks.set(record.info.task_id.value, { info: record.info, records: [] });
        break;
      case 'update':
        executorOf(record.frameworkId, record.executorId)?.tasks.get(record.taskId)?.records.push({ update: record.update });
        break;
      case 'ack':
        executorOf(record.frameworkId, record.executorId)?.tasks.get(record.taskId)?.records.push({ ack: record.uuid });
        break;
      case 'executor-done': {
        const framework = frameworks.get(record.frameworkId);
        framework?.executors.delete(record.executorId);
        if (framework && framework.executors.size === 0) frameworks.delete(record.frameworkId);
        break;
      }
    }
  }
  if (!agent) return { state: null, errors };
  const state = {
    ...agent,
    frameworks: [...frameworks.values()].map((framework) => ({
      info: framework.info,
      executors: [...framework.executors.values()].map((executor) => ({ checkpoint: executor.checkpoint, tasks: [...executor.tasks.values()] })),
    })),
  };
  return { state, errors };
}

/** The records that rebuild a recovered state (what a compacted journal holds). */
export function recordsOf(state: RecoveredAgent): JournalRecord[] {
  const records: JournalRecord[] = [{ t: 'agent', agentId: state.agentId, info: state.info }];
  for (const framework of state.frameworks) {
    const frameworkId = framework.info.id?.value ?? '';
    records.push({ t: 'framework', info: framework.info });
    for (const { checkpoint, tasks } of framework.executors) {
      const executorId = checkpoint.info.executor_id.value;
      records.push({ t: 'executor', frameworkId, checkpoint });
      for (const task of tasks) {
        const taskId = task.info.task_id.value;
        records.push({ t: 'task', frameworkId, executorId, info: task.info });
        for (const entry of task.records) {
          records.push('update' in entry ? { t: 'update', frameworkId, executorId, taskId, update: entry.update } : { t: 'ack', frameworkId, executorId, taskId, uuid: entry.ack });
        }
      }
    }
  }
  return records;
}

export class Journal {
  private fd: number;
  private bytes: number;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.bytes = readLogCuttingTornTail(file).byteLength;
    this.fd = openSync(file, 'a');
  }

  /**
   * What the journal holds now (state null when it is empty: a fresh work dir).
   * @throws Error naming the file and line, when strict and a line is damaged.
   */
  static recover(file: string, strict = true): Replayed {
    if (!existsSync(file)) return { state: null, errors: [] };
    try {
      return replayJournal(readFileSync(file, 'utf8'), strict);
    } catch (error) {
      throw new Error(`Failed to recover the agent's checkpoint ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  append(record: JournalRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    this.bytes += writeSync(this.fd, line);
  }

  get needsCompaction(): boolean {
    return this.bytes > COMPACT_BYTES;
  }

  /** Replaces the journal with just these records (written aside, synced, then renamed over). */
  rewrite(records: readonly JournalRecord[]): void {
    const temporary = `${this.file}.compact`;
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.bytes = Buffer.byteLength(text);
  }

  close(): void {
    closeSync(this.fd);
  }
}
