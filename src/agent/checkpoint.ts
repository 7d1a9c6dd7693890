/**
 * The agent's checkpoints: small JSON files written atomically (write, then rename) and one
 * append-only log of status update records per task. Everything the agent acts on is written
 * here first, so a restarted agent knows its executors, tasks and unacknowledged updates.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StatusUpdate } from '../api/agent-link/messages.js';
import type { AgentInfo, ExecutorInfo, FrameworkInfo, TaskInfo } from '../api/mesos.js';
import type { AgentPaths } from './paths.js';

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
  host: { hostId: string; pid: number } | null;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(value));
  renameSync(temporary, file);
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function appendUpdateRecord(file: string, record: UpdateRecord): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Reads a task's update log; a torn last line (crash mid-write) is dropped, as it was never acknowledged. */
export function readUpdateRecords(file: string): UpdateRecord[] {
  if (!existsSync(file)) return [];
  const records: UpdateRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as UpdateRecord);
    } catch {
      break;
    }
  }
  return records;
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

const listDir = (path: string): string[] => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/** Loads everything a previous run of this agent checkpointed, or null on a fresh work dir. */
export function recoverAgent(paths: AgentPaths): RecoveredAgent | null {
  let agentId: string;
  try {
    agentId = readFileSync(paths.latestAgentFile(), 'utf8').trim();
  } catch {
    return null;
  }
  const info = readJson<AgentInfo>(paths.agentInfoFile(agentId));
  if (agentId === '' || info === null) return null;
  const frameworks: RecoveredFramework[] = [];
  for (const frameworkId of listDir(`${paths.agentMetaDir(agentId)}/frameworks`)) {
    const frameworkInfo = readJson<FrameworkInfo>(paths.frameworkInfoFile(agentId, frameworkId));
    if (!frameworkInfo) continue;
    const executors: RecoveredExecutor[] = [];
    for (const executorId of listDir(`${paths.frameworkMetaDir(agentId, frameworkId)}/executors`)) {
      const checkpoint = readJson<ExecutorCheckpoint>(paths.executorInfoFile(agentId, frameworkId, executorId));
      if (!checkpoint) continue;
      const tasks: RecoveredTask[] = [];
      for (const taskId of listDir(`${paths.executorMetaDir(agentId, frameworkId, executorId)}/tasks`)) {
        const taskInfo = readJson<TaskInfo>(paths.taskInfoFile(agentId, frameworkId, executorId, taskId));
        if (!taskInfo) continue;
        tasks.push({ info: taskInfo, records: readUpdateRecords(paths.taskUpdatesFile(agentId, frameworkId, executorId, taskId)) });
      }
      executors.push({ checkpoint, tasks });
    }
    frameworks.push({ info: frameworkInfo, executors });
  }
  const host = readJson<{ hostId: string; pid: number }>(paths.executorHostFile());
  return { agentId, info, frameworks, host };
}
