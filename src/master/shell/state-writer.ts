/**
 * Writes the master's large v0 answers (`/master/state`, `/master/frameworks`, `/master/slaves`,
 * `/master/tasks`, `/master/state-summary`) fast, byte for byte as `JSON.stringify` of the
 * builders in state-json.ts would.
 *
 * A cluster of 20,000 agents and 200,000 tasks is over 150 MB of JSON, and from one request to
 * the next nearly all of it is the same. So the writer keeps what it wrote: each framework's task
 * lists encoded (each task's JSON a view into its list), each agent's JSON in pieces (its record,
 * what it uses, what it is offered) and in blocks of agents (text until a block lasts an answer,
 * see BlockCache), each framework header and offer — together with what each was made of, and
 * writes it again while that is unchanged. "Unchanged" is judged by identity: the core replaces a
 * record's info, resources, roles and capabilities instead of editing them, a task changes only
 * in its state and its statuses (pushed, or the oldest dropped), and a framework counts changes to
 * its tasks. An answer is then mostly kept pieces handed to the socket as they are.
 *
 * What has never been written (a master's first answer) is written by `prepare` a slice at a time
 * between turns of the event loop, so that the master keeps serving meanwhile; the answer itself
 * is written synchronously, so it is one consistent picture.
 */
import type { Resource, Task, TaskStatus } from '../../api/mesos.js';
import { addAll } from '../../allocator/resource-math.js';
import { completedTaskRole, taskJson } from '../../api/v0-json.js';
import { BlockCache, JsonChunks } from './json-pieces.js';
import { AgentTaskVersions, agentSources, agentUsedLists, changedAgentParts, Dependencies, type AgentParts, type AgentSources } from './usage-sources.js';
import type { JsonPieces } from '../../common/http/mesos-http.js';
import type { AgentId } from '../../common/ids.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord, OfferRecord } from '../core/state.js';
import {
  activeAgents, agentJson, agentOfferedFull, agentOfferedSummary, agentSummaryJson, agentUsedFull, agentUsedSummary, allocationJson,
  executorJson, executorResources, executorsOf, frameworkHeaderJson, frameworkOffered, frameworkOffers, frameworkUsed,
  liveTaskRole, masterStateSummaryJson, masterTasksJson, offerJson, stateHeaderJson, type AllocationContext, type MasterIdentity,
  type TasksQuery, recoveredAgentsJson,
} from './state-json.js';

/** `prepare` works at most this long before it lets the master's event loop run. */
const PREPARE_SLICE_MS = 20;

/** Dependencies recorded per task in a task list: the list's item, the task, its state, status count and last status. */
const DEPENDENCIES_PER_TASK = 5;

/**
 * A task's JSON, encoded. After its list is written, `bytes` is a view into the list's Buffer, so
 * the text is held once, outside the JS heap.
 */
interface TaskEntry {
  state: Task['state'];
  statusCount: number;
  lastStatus: TaskStatus | undefined;
  role: string | undefined;
  agentId: Task['agent_id'];
  bytes: Buffer;
  /** The JSON text of a task made anew, until it is encoded into `bytes`. */
  text: string | null;
}

const EMPTY = Buffer.alloc(0);

const COMMA = 0x2c;

/**
 * Encodes a list of tasks, joined by commas, into one Buffer, and points every task's `bytes` into
 * it. Tasks made anew are encoded with the list (one encoding for all of them when none is old).
 */
function encodeList(tasks: readonly TaskEntry[]): Buffer {
  let buffer: Buffer;
  if (tasks.every((task) => task.text !== null)) {
    const texts = tasks.map((task) => task.text as string);
    buffer = Buffer.from(texts.join(','), 'utf8');
    let offset = 0;
    tasks.forEach((task, index) => {
      const length = Buffer.byteLength(texts[index] as string, 'utf8');
      task.bytes = buffer.subarray(offset, offset + length);
      task.text = null;
      offset += length + 1;
    });
    return buffer;
  }
  for (const task of tasks) {
    if (task.text === null) continue;
    task.bytes = Buffer.from(task.text, 'utf8');
    task.text = null;
  }
  buffer = joinWithCommas(tasks.map((task) => task.bytes));
  let offset = 0;
  for (const task of tasks) {
    task.bytes = buffer.subarray(offset, offset + task.bytes.length);
    offset += task.bytes.length + 1;
  }
  return buffer;
}

/** Buffers joined by commas, copied into one new Buffer. */
function joinWithCommas(parts: readonly Buffer[]): Buffer {
  let length = Math.max(0, parts.length - 1);
  for (const part of parts) length += part.length;
  const joined = Buffer.allocUnsafe(length);
  let offset = 0;
  parts.forEach((part, index) => {
    if (index > 0) joined[offset++] = COMMA;
    offset += part.copy(joined, offset);
  });
  return joined;
}

interface ListEntry {
  dependencies: unknown[];
  buffer: Buffer;
  /** The roles the list's tasks are allocated to (for the `allocation` field). */
  roles: Set<string>;
  /** The answer it was last checked for: a list is checked once per answer. */
  checkedFor: number;
  /** Its framework's `taskChanges` when it was last found current: while the same, no task needs a look. */
  taskChanges: number;
}

/**
 * An agent's text with gaps where what it uses and what it has on offer go: `pieces[i]`, then the
 * value of field `gaps[i]`, and so on, then the last piece. Its record changes seldom; its offers
 * at every allocation.
 */
interface AgentTemplate {
  pieces: string[];
  gaps: string[];
}

/** Field name → its value's JSON. */
type FieldTexts = Record<string, string>;

interface AgentEntry extends AgentParts {
  template: AgentTemplate;
  used: FieldTexts;
  offered: FieldTexts;
  /** The agent's JSON: the template's pieces with the values between them. */
  json: string;
  summary: Record<string, unknown> | null;
}

interface HeaderEntry {
  dependencies: unknown[];
  active: boolean;
  text: string;
}

interface UsedEntry {
  dependencies: unknown[];
  used: Resource[];
}

const fieldTexts = (fields: Record<string, unknown>): FieldTexts => {
  const texts: FieldTexts = {};
  for (const [name, value] of Object.entries(fields)) texts[name] = JSON.stringify(value);
  return texts;
};

/** The fields of an agent's JSON that depend on what it uses or has on offer. */
const AGENT_USAGE_FIELDS = new Set(Object.keys({ ...agentUsedSummary([]), ...agentOfferedSummary([]), ...agentUsedFull([]), ...agentOfferedFull([]) }));

/** Cuts an agent's JSON (built with nothing used or offered) at the fields that depend on usage. */
function agentTemplate(agent: Record<string, unknown>): AgentTemplate {
  const pieces: string[] = [];
  const gaps: string[] = [];
  let piece = '{';
  let first = true;
  for (const [name, value] of Object.entries(agent)) {
    piece += `${first ? '' : ','}${JSON.stringify(name)}:`;
    first = false;
    if (AGENT_USAGE_FIELDS.has(name)) {
      pieces.push(piece);
      gaps.push(name);
      piece = '';
    } else {
      piece += JSON.stringify(value);
    }
  }
  pieces.push(`${piece}}`);
  return { pieces, gaps };
}

function fillTemplate(template: AgentTemplate, values: FieldTexts): string {
  let json = template.pieces[0] as string;
  for (let i = 0; i < template.gaps.length; i++) json += (values[template.gaps[i] as string] as string) + (template.pieces[i + 1] as string);
  return json;
}

/** How many texts each cache had to make anew, for tests and profiles. */
export interface WriterMisses {
  tasks: number;
  taskLists: number;
  agents: number;
  frameworkHeaders: number;
}

/**
 * The agents whose tasks differ between two dependency lists of one task list (added, removed, or
 * changed in state or statuses).
 */
function agentsWithChangedTasks(previous: readonly unknown[], next: readonly unknown[], into: Set<AgentId>): void {
  const before = new Map<unknown, number>();
  for (let i = 0; i < previous.length; i += DEPENDENCIES_PER_TASK) before.set(previous[i], i);
  const agentOf = (list: readonly unknown[], at: number) => (list[at] as { agentId?: AgentId }).agentId;
  for (let i = 0; i < next.length; i += DEPENDENCIES_PER_TASK) {
    const at = before.get(next[i]);
    let same = at !== undefined;
    for (let k = 1; same && k < DEPENDENCIES_PER_TASK; k++) same = previous[(at as number) + k] === next[i + k];
    if (at !== undefined) before.delete(next[i]);
    const agentId = agentOf(next, i);
    if (!same && agentId !== undefined) into.add(agentId);
  }
  for (const at of before.values()) {
    const agentId = agentOf(previous, at);
    if (agentId !== undefined) into.add(agentId);
  }
}

/** One per master: see the file's header. Its caches hold text only for records the core still has (WeakMaps). */
export class MasterStateWriter {
  readonly misses: WriterMisses = { tasks: 0, taskLists: 0, agents: 0, frameworkHeaders: 0 };
  private readonly tasks = new WeakMap<Task, TaskEntry>();
  private readonly taskLists = new WeakMap<object, ListEntry>();
  private readonly agents = new WeakMap<AgentRecord, AgentEntry>();
  /** Agents' JSON in blocks, kept between answers (see BlockCache). */
  private readonly agentBlocks = new BlockCache();
  private readonly frameworkHeaders = new WeakMap<FrameworkRecord, HeaderEntry>();
  private readonly frameworksUsed = new WeakMap<FrameworkRecord, UsedEntry>();
  private readonly offers = new WeakMap<OfferRecord, string>();
  /**
   * Bumped for an agent whenever a task list is rewritten with a task on it added, removed or
   * changed: what the agent uses is made of its tasks, so its text depends on this count.
   */
  private readonly agentTaskVersions = new AgentTaskVersions();
  /** Counts answers, so that work shared by parts of one answer is done once. */
  private answer = 0;

  constructor(private readonly core: MasterCore) {}

  /**
   * Writes the text of task lists and agents that have none yet (a master's first answer, new
   * frameworks and agents), a slice at a time between turns of the event loop, so that a cold
   * answer does not stall the master for seconds. What changes meanwhile is caught when the answer
   * itself is written, synchronously, from these caches.
   */
  async prepare(): Promise<void> {
    let sliceStarted = performance.now();
    const pause = async () => {
      if (performance.now() - sliceStarted < PREPARE_SLICE_MS) return;
      await new Promise((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    };
    this.answer++;
    const live = new Set(this.core.frameworks.values());
    for (const framework of [...live, ...this.core.completedFrameworks]) {
      if (!this.taskLists.has(framework.tasks)) this.liveTasks(framework);
      if (!this.taskLists.has(framework.unreachableTasks)) this.unreachableTasks(framework);
      if (!this.taskLists.has(framework.completedTasks)) this.completedTasks(framework);
      if (!this.frameworkHeaders.has(framework)) this.frameworkHeader(framework, live.has(framework), this.liveTasks(framework));
      await pause();
    }
    // What changes in the agents' sources meanwhile, the answer finds and remakes.
    const sources = agentSources(this.core);
    for (const agent of [...this.core.agents.values()]) {
      if (this.agents.has(agent)) continue;
      this.agentEntry(agent, sources);
      await pause();
    }
  }

  state(identity: MasterIdentity, nowMs: number): JsonPieces {
    this.answer++;
    const core = this.core;
    this.refreshTaskLists();
    const out = new JsonChunks();
    out.push(JSON.stringify(stateHeaderJson(core, identity)).slice(0, -1));
    out.push(',"slaves":[');
    this.writeAgents(out, null);
    out.push(`],"recovered_slaves":${JSON.stringify(recoveredAgentsJson(core))},"frameworks":[`);
    this.writeFrameworks(out, core.frameworks.values(), true, { nowMs, agentsTotal: activeAgents(core) });
    out.push('],"completed_frameworks":[');
    this.writeFrameworks(out, core.completedFrameworks, false, null);
    out.push('],"orphan_tasks":[],"unregistered_frameworks":[]}');
    return out.answer();
  }

  /** `/master/frameworks`, or one framework's entry when `frameworkId` is given. */
  frameworks(nowMs: number, frameworkId?: string): JsonPieces {
    this.answer++;
    const core = this.core;
    const pick = (framework: FrameworkRecord) => frameworkId === undefined || framework.id === frameworkId;
    const out = new JsonChunks();
    out.push('{"frameworks":[');
    this.writeFrameworks(out, [...core.frameworks.values()].filter(pick), true, { nowMs, agentsTotal: activeAgents(core) });
    out.push('],"completed_frameworks":[');
    this.writeFrameworks(out, core.completedFrameworks.filter(pick), false, null);
    out.push('],"unregistered_frameworks":[]}');
    return out.answer();
  }

  /** `/master/slaves`, or one agent's entry when `agentId` is given. */
  slaves(agentId?: string): JsonPieces {
    this.answer++;
    this.refreshTaskLists();
    const out = new JsonChunks();
    out.push('{"slaves":[');
    this.writeAgents(out, agentId ?? null);
    out.push(`],"recovered_slaves":${JSON.stringify(recoveredAgentsJson(this.core, agentId))}}`);
    return out.answer();
  }

  stateSummary(identity: MasterIdentity): JsonPieces {
    this.answer++;
    this.refreshTaskLists();
    const sources = agentSources(this.core);
    const summary = masterStateSummaryJson(this.core, identity, {
      agent: (agent) => {
        const entry = this.agentEntry(agent, sources);
        entry.summary ??= agentSummaryJson(agent, { used: this.agentUsed(agent, sources), offered: this.core.offeredResourcesOf(agent.id) });
        return entry.summary;
      },
      frameworkUsage: (framework) => ({ used: this.frameworkUsed(framework, this.liveTasks(framework)), offered: frameworkOffered(this.core, framework) }),
    });
    const out = new JsonChunks();
    out.push(JSON.stringify(summary));
    return out.answer();
  }

  tasksPage(query: TasksQuery): JsonPieces {
    const page = masterTasksJson(this.core, query, (task, role) => this.taskBytes(task, role)).tasks as Buffer[];
    const out = new JsonChunks();
    out.push('{"tasks":[');
    out.pushBuffer(joinWithCommas(page));
    out.push(']}');
    return out.answer();
  }

  // -------------------------------------------------------------- agents

  /** What an agent's tasks and executors use, as `MasterCore.usedResourcesOf` counts it. */
  private agentUsed(agent: AgentRecord, sources: AgentSources): Resource[] {
    const lists = agentUsedLists(this.core, agent, sources, executorResources);
    if (lists === null) return this.core.usedResourcesOf(agent.id);
    const parts: Resource[] = [];
    for (const list of lists) parts.push(...list);
    return addAll([], parts);
  }

  /**
   * An agent's text, in three parts made anew each only when what it is made of changed: its
   * record; what it uses (its tasks, through agentTaskVersions, and its executors); its offers.
   */
  private agentEntry(agent: AgentRecord, sources: AgentSources): AgentEntry {
    const cached = this.agents.get(agent);
    const { record: recordChanged, usedBy: usedChanged, offeredBy: offeredChanged } = changedAgentParts(this.core, agent, cached, this.agentTaskVersions, sources);
    if (cached && recordChanged === null && usedChanged === null && offeredChanged === null) return cached;
    this.misses.agents++;
    const nothing = { used: [], offered: [] };
    const template = cached && recordChanged === null ? cached.template : agentTemplate(agentJson(this.core, agent, nothing));
    let used = cached?.used;
    if (!used || usedChanged !== null) {
      const resources = this.agentUsed(agent, sources);
      used = fieldTexts({ ...agentUsedSummary(resources), ...agentUsedFull(resources) });
    }
    let offered = cached?.offered;
    if (!offered || offeredChanged !== null) {
      const resources = this.core.offeredResourcesOf(agent.id);
      offered = fieldTexts({ ...agentOfferedSummary(resources), ...agentOfferedFull(resources) });
    }
    const json = fillTemplate(template, { ...used, ...offered });
    const entry: AgentEntry = {
      record: recordChanged ?? cached?.record ?? [],
      template,
      usedBy: usedChanged ?? cached?.usedBy ?? [],
      used,
      offeredBy: offeredChanged ?? cached?.offeredBy ?? [],
      offered,
      json,
      summary: null,
    };
    this.agents.set(agent, entry);
    return entry;
  }

  private writeAgents(out: JsonChunks, onlyId: string | null): void {
    const sources = agentSources(this.core);
    if (onlyId !== null) {
      const agent = this.core.agents.get(onlyId as AgentId);
      if (agent) out.push(this.agentEntry(agent, sources).json);
      return;
    }
    const texts: string[] = [];
    for (const agent of this.core.agents.values()) texts.push(this.agentEntry(agent, sources).json);
    this.agentBlocks.writeItems(out, texts);
    this.agentTaskVersions.prune(this.core);
  }

  // -------------------------------------------------------------- frameworks and tasks

  /**
   * A task's entry: the cached one while the task is unchanged, else a new one whose `bytes` are
   * empty until `encode` or its list fills them (`text` holds its JSON meanwhile).
   */
  private taskEntry(task: Task, role: string | undefined): TaskEntry {
    const statuses = task.statuses;
    const lastStatus = statuses[statuses.length - 1];
    const cached = this.tasks.get(task);
    if (
      cached && cached.state === task.state && cached.statusCount === statuses.length && cached.lastStatus === lastStatus
      && cached.role === role && cached.agentId === task.agent_id
    ) return cached;
    this.misses.tasks++;
    const entry: TaskEntry = { state: task.state, statusCount: statuses.length, lastStatus, role, agentId: task.agent_id, bytes: EMPTY, text: JSON.stringify(taskJson(task, role)) };
    this.tasks.set(task, entry);
    return entry;
  }

  /** A task's JSON, encoded (for answers that are not a whole list). */
  private taskBytes(task: Task, role: string | undefined): Buffer {
    const entry = this.taskEntry(task, role);
    if (entry.text !== null) {
      entry.bytes = Buffer.from(entry.text, 'utf8');
      entry.text = null;
    }
    return entry.bytes;
  }

  /**
   * The text of one task list (a framework's live, unreachable or completed tasks), kept per list.
   * Rewriting a live list bumps the task version of every agent whose tasks in it changed.
   */
  private taskList<T>(
    list: object, taskChanges: number, items: () => Iterable<T>, taskOf: (item: T) => Task, roleOf: (item: T) => string | undefined, live: boolean,
  ): ListEntry {
    const cached = this.taskLists.get(list);
    if (cached?.checkedFor === this.answer) return cached;
    if (cached?.taskChanges === taskChanges) {
      cached.checkedFor = this.answer;
      return cached;
    }
    const dependencies = new Dependencies(cached?.dependencies);
    for (const item of items()) {
      const task = taskOf(item);
      const statuses = task.statuses;
      dependencies.see(item);
      dependencies.see(task);
      dependencies.see(task.state);
      dependencies.see(statuses.length);
      dependencies.see(statuses[statuses.length - 1]);
    }
    const changed = dependencies.changed();
    if (changed === null && cached) {
      cached.checkedFor = this.answer;
      cached.taskChanges = taskChanges;
      return cached;
    }
    this.misses.taskLists++;
    const tasks: TaskEntry[] = [];
    const roles = new Set<string>();
    for (const item of items()) {
      const role = roleOf(item);
      if (role !== undefined) roles.add(role);
      tasks.push(this.taskEntry(taskOf(item), role));
    }
    const buffer = encodeList(tasks);
    const entry: ListEntry = { dependencies: changed ?? [], buffer, roles, checkedFor: this.answer, taskChanges };
    this.taskLists.set(list, entry);
    if (live) {
      const agents = new Set<AgentId>();
      agentsWithChangedTasks(cached?.dependencies ?? [], entry.dependencies, agents);
      for (const agentId of agents) this.agentTaskVersions.bump(agentId);
    }
    return entry;
  }

  private liveTasks(framework: FrameworkRecord): ListEntry {
    return this.taskList(framework.tasks, framework.taskChanges, () => framework.tasks.values(), (record) => record.task, liveTaskRole, true);
  }

  private unreachableTasks(framework: FrameworkRecord): ListEntry {
    return this.taskList(framework.unreachableTasks, framework.taskChanges, () => framework.unreachableTasks.values(), (record) => record.task, liveTaskRole, true);
  }

  private completedTasks(framework: FrameworkRecord): ListEntry {
    return this.taskList(framework.completedTasks, framework.taskChanges, () => framework.completedTasks, (task) => task, completedTaskRole, false);
  }

  /** Brings every live framework's task lists up to date, so agents' task versions are current before agents are written. */
  private refreshTaskLists(): void {
    for (const framework of this.core.frameworks.values()) {
      this.liveTasks(framework);
      this.unreachableTasks(framework);
    }
  }

  /** What a framework uses: made of its live task list (through the list's entry) and its executors. */
  private frameworkUsed(framework: FrameworkRecord, tasks: ListEntry): Resource[] {
    const cached = this.frameworksUsed.get(framework);
    const dependencies = new Dependencies(cached?.dependencies);
    dependencies.see(tasks);
    dependencies.see(framework.roles);
    for (const [, executor] of executorsOf(framework)) dependencies.see(executor);
    const changed = dependencies.changed();
    if (changed === null && cached) return cached.used;
    const used = frameworkUsed(framework);
    this.frameworksUsed.set(framework, { dependencies: changed ?? [], used });
    return used;
  }

  /** Everything of a framework before its tasks: its info, times, what it uses and what it is offered. */
  private frameworkHeader(framework: FrameworkRecord, active: boolean, tasks: ListEntry): string {
    const used = this.frameworkUsed(framework, tasks);
    const cached = this.frameworkHeaders.get(framework);
    const dependencies = new Dependencies(cached?.active === active ? cached.dependencies : undefined);
    dependencies.see(framework.info);
    dependencies.see(framework.roles);
    dependencies.see(framework.capabilities);
    dependencies.see(framework.connectionId !== null);
    dependencies.see(framework.registeredAtMs);
    dependencies.see(framework.reregisteredAtMs);
    dependencies.see(framework.unregisteredAtMs);
    dependencies.see(used);
    for (const offerId of framework.offers) dependencies.see(this.core.offers.get(offerId)?.resources);
    const changed = dependencies.changed();
    if (changed === null && cached) return cached.text;
    this.misses.frameworkHeaders++;
    const usage = { used, offered: frameworkOffered(this.core, framework) };
    const text = JSON.stringify(frameworkHeaderJson(this.core, framework, active, usage)).slice(0, -1);
    this.frameworkHeaders.set(framework, { dependencies: changed ?? [], text, active });
    return text;
  }

  private offerText(offer: OfferRecord): string {
    let text = this.offers.get(offer);
    if (text === undefined) {
      text = JSON.stringify(offerJson(offer));
      this.offers.set(offer, text);
    }
    return text;
  }

  private writeFrameworks(out: JsonChunks, frameworks: Iterable<FrameworkRecord>, active: boolean, allocation: AllocationContext | null): void {
    let first = true;
    for (const framework of frameworks) {
      const tasks = this.liveTasks(framework);
      out.push(first ? '' : ',');
      first = false;
      out.push(this.frameworkHeader(framework, active, tasks));
      out.push(',"tasks":[');
      out.pushBuffer(tasks.buffer);
      out.push('],"unreachable_tasks":[');
      out.pushBuffer(this.unreachableTasks(framework).buffer);
      out.push('],"completed_tasks":[');
      out.pushBuffer(this.completedTasks(framework).buffer);
      const offers = frameworkOffers(this.core, framework).map((offer) => this.offerText(offer));
      const executors = [...executorsOf(framework)].map(([agentId, executor]) => JSON.stringify(executorJson(framework, agentId, executor)));
      out.push(`],"offers":[${offers.join(',')}],"executors":[${executors.join(',')}]`);
      if (framework.info.labels) out.push(`,"labels":${JSON.stringify(framework.info.labels.labels ?? [])}`);
      if (allocation !== null) out.push(`,"allocation":${JSON.stringify(allocationJson(this.core, framework, allocation, tasks.roles))}`);
      out.push('}');
    }
  }
}
