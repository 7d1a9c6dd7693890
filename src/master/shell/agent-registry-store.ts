/**
 * The part of Mesos' registry that holds agents: `<work_dir>/agents.log`, an append-only log of
 * registry changes (an agent admitted, marked unreachable, removed), one JSON record a line.
 * Replaying it gives the admitted and unreachable agents a restarted master recovers.
 *
 * Appends are group-committed: every change appended within one event-loop turn (and those that
 * arrive while a commit is under way) goes out in one write and one fsync, so 10,000 agents
 * registering in a burst cost a handful of fsyncs, not 10,000 — and no whole-file rewrite per
 * agent, which would be quadratic. The log is compacted (only the live records, written aside,
 * synced, renamed over, folder synced) when it has grown well past what it holds.
 *
 * A crash mid-write leaves a torn last line: it is dropped. A damaged line anywhere else means the
 * file was damaged: loading throws, naming the file and line, and the master refuses to start.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type } from '@sinclair/typebox';
import { makeValidator } from '../../api/schema.js';
import { readLogCuttingTornTail, writeFileDurably } from '../../common/durable-file.js';
import type { AgentInfo } from '../../api/mesos.js';
import type { AgentId } from '../../common/ids.js';
import type { AdmittedAgentEntry, RegistryChange, UnreachableAgentEntry } from '../core/types.js';

export const AGENT_REGISTRY_FILE = 'agents.log';

/** Compact once the log is this large and holds at least COMPACT_RATIO times its live records. */
const COMPACT_BYTES_MIN = 4 * 1024 * 1024;
const COMPACT_RATIO = 4;

/** One line of the log. Short keys: the log holds one line per admission. */
type RegistryRecord =
  | { t: 'admit'; id: string; info: AgentInfo }
  | { t: 'unreachable'; id: string; info: AgentInfo; at: number }
  | { t: 'remove'; id: string };

// AgentInfo itself is checked loosely (an object with a hostname): it was validated when the agent subscribed.
const agentInfoShape = Type.Object({ hostname: Type.String() }, { additionalProperties: true });
const validateRecord = makeValidator(Type.Union([
  Type.Object({ t: Type.Literal('admit'), id: Type.String({ minLength: 1 }), info: agentInfoShape }),
  Type.Object({ t: Type.Literal('unreachable'), id: Type.String({ minLength: 1 }), info: agentInfoShape, at: Type.Number() }),
  Type.Object({ t: Type.Literal('remove'), id: Type.String({ minLength: 1 }) }),
]));

/** What the log holds: every agent's latest standing, in the order agents first appeared. */
export interface RecoveredRegistry {
  admitted: AdmittedAgentEntry[];
  unreachable: UnreachableAgentEntry[];
}

/** Counts of what the store did to the disk, for tests and metrics (not timings). */
export interface RegistryStoreStats {
  /** Records appended. */
  records: number;
  /** Write calls on the log (one per batch). */
  writes: number;
  /** fsyncs of the log or its folder. */
  fsyncs: number;
  compactions: number;
}

/** What the master shell needs of a registry: append a change, and learn when it is durable. */
export interface RegistryWriter {
  /** Queues a change for the next commit; returns its sequence number (1, 2, ...). */
  append(change: RegistryChange): number;
  /** The sequence number of the latest change appended. */
  readonly appendedSeq: number;
  /** The highest sequence number known to be on disk. */
  readonly durableSeq: number;
  /** Resolves once every change up to `seq` is on disk; rejects if a commit failed. */
  whenDurable(seq: number): Promise<void>;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class AgentRegistryStore implements RegistryWriter {
  /** Live records by agent, the text of each line: what a compacted log holds. */
  private readonly live = new Map<string, string>();
  private liveBytes = 0;
  private fileBytes = 0;
  private handle: FileHandle | null = null;
  private pending: Array<{ record: RegistryRecord; line: string }> = [];
  private appended = 0;
  private durable = 0;
  private flushing = false;
  private flushScheduled = false;
  private failure: Error | null = null;
  private waiters: Waiter[] = [];
  readonly stats: RegistryStoreStats = { records: 0, writes: 0, fsyncs: 0, compactions: 0 };

  constructor(readonly path: string) {}

  get appendedSeq(): number {
    return this.appended;
  }

  get durableSeq(): number {
    return this.durable;
  }

  /**
   * Reads the log (none yet: an empty registry), drops a torn last line, and makes the log ready
   * for appends. Call once, before `append`.
   * @throws Error naming the file and line when a line inside the log is damaged.
   */
  load(): RecoveredRegistry {
    mkdirSync(dirname(this.path), { recursive: true });
    const existed = existsSync(this.path);
    const intact = readLogCuttingTornTail(this.path);
    const lines = intact.toString('utf8').split('\n');
    lines.pop(); // After the last newline: nothing, since the torn tail was cut off.
    for (const [index, line] of lines.entries()) {
      if (line.trim() === '') continue;
      this.replay(this.parseLine(line, index + 1), line);
    }
    this.fileBytes = intact.byteLength;
    if (!existed) {
      // A new file is durable only once the folder's entry for it is.
      closeSync(openSync(this.path, 'a'));
      this.syncFolder();
    }
    return this.recovered();
  }

  append(change: RegistryChange): number {
    const record = recordOf(change);
    this.pending.push({ record, line: JSON.stringify(record) });
    this.stats.records++;
    this.appended++;
    this.scheduleFlush();
    return this.appended;
  }

  whenDurable(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.durable) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Waits for what was appended to be durable, then closes the log. */
  async close(): Promise<void> {
    await this.whenDurable(this.appended).catch(() => undefined);
    await this.handle?.close();
    this.handle = null;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    // One event-loop turn gathers every change stepped meanwhile (a burst of registrations).
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /** Writes and syncs every pending record, batch after batch, until none are left. */
  private async flush(): Promise<void> {
    if (this.flushing || this.failure) return;
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        const lastSeq = this.appended;
        this.pending = [];
        const text = batch.map(({ line }) => `${line}\n`).join('');
        const handle = this.handle ?? (this.handle = await open(this.path, 'a'));
        await handle.write(text);
        this.stats.writes++;
        await handle.sync();
        this.stats.fsyncs++;
        this.fileBytes += Buffer.byteLength(text);
        for (const { record, line } of batch) this.replay(record, line);
        this.durable = lastSeq;
        this.wake();
        if (this.fileBytes >= COMPACT_BYTES_MIN && this.fileBytes >= COMPACT_RATIO * this.liveBytes) await this.compact();
      }
    } catch (error) {
      this.failure = new Error(`Failed to write the agent registry ${this.path}: ${(error as Error).message}`, { cause: error });
      this.wake();
    } finally {
      this.flushing = false;
    }
  }

  /** Replaces the log with its live records, as any small file is replaced durably (common/durable-file.ts). */
  private async compact(): Promise<void> {
    const text = [...this.live.values()].map((line) => `${line}\n`).join('');
    await writeFileDurably(this.path, text);
    this.stats.writes++;
    this.stats.fsyncs += 2; // The file and its folder.
    await this.handle?.close();
    this.handle = await open(this.path, 'a');
    this.fileBytes = Buffer.byteLength(text);
    this.stats.compactions++;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.failure) waiter.reject(this.failure);
      else if (waiter.seq <= this.durable) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private syncFolder(): void {
    const fd = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(fd);
      this.stats.fsyncs++;
    } finally {
      closeSync(fd);
    }
  }

  private parseLine(line: string, number: number): RegistryRecord {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw this.corrupt(`line ${number} is not a record (${(error as Error).message})`);
    }
    const checked = validateRecord(parsed);
    if (!checked.ok) throw this.corrupt(`line ${number} is not a registry record: ${checked.error}`);
    return checked.value as RegistryRecord;
  }

  /** Applies one record to the live set; `line` is its text, without the newline. */
  private replay(record: RegistryRecord, line: string): void {
    const before = this.live.get(record.id);
    if (before !== undefined) this.liveBytes -= before.length + 1;
    if (record.t === 'remove') {
      this.live.delete(record.id);
      return;
    }
    // Delete first so an agent's latest record takes its place at the end; replay keeps the order of the log.
    this.live.delete(record.id);
    this.live.set(record.id, line);
    this.liveBytes += line.length + 1;
  }

  private recovered(): RecoveredRegistry {
    const admitted: AdmittedAgentEntry[] = [];
    const unreachable: UnreachableAgentEntry[] = [];
    for (const line of this.live.values()) {
      const record = JSON.parse(line) as RegistryRecord;
      if (record.t === 'admit') admitted.push({ agentId: record.id as AgentId, info: record.info });
      else if (record.t === 'unreachable') unreachable.push({ agentId: record.id as AgentId, info: record.info, unreachableAtMs: record.at });
    }
    return { admitted, unreachable };
  }

  private corrupt(why: string): Error {
    return new Error(`${this.path}: ${why}. It holds the agents admitted to the cluster and those unreachable; fix or remove the line (removing the file, the master forgets which agents to wait for after a failover)`);
  }
}

function recordOf(change: RegistryChange): RegistryRecord {
  switch (change.kind) {
    case 'admit-agent': return { t: 'admit', id: change.agentId, info: change.info };
    case 'mark-agent-unreachable': return { t: 'unreachable', id: change.agentId, info: change.info, at: change.unreachableAtMs };
    case 'remove-agent': return { t: 'remove', id: change.agentId };
  }
}
