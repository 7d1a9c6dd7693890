/**
 * The master's state as the v1 Operator API gives it (master.proto `Response.GetState`,
 * `GetAgents`, `GetFrameworks`, `GetExecutors`, `GetTasks`, `GetRoles`, `GetMaster`), written as
 * JSON text from the core's records. Only reads.
 *
 * The JSON follows Mesos' protobuf-to-JSON rules: field names as in the .proto, an empty
 * repeated field left out, times as `TimeInfo` (`{"nanoseconds": ...}`), and resources in the
 * endpoint format (the pre-refinement `role`/`reservation` beside the `reservations` stack).
 *
 * GET_STATE must answer within a second on 20,000 agents and 200,000 tasks, some 220 MB. From
 * one request to the next nearly all of it is the same, so `OperatorStateWriter` keeps what it
 * wrote with what it was made of, judged by identity (the core replaces a record's info,
 * resources and lists rather than editing them, changes a task only in its state and statuses,
 * and counts each framework's task changes): each framework's task lists encoded, agents and
 * frameworks as text in parts (record, what it uses, what it is offered) and in blocks. What an
 * agent uses is told changed as the v0 writer tells it (usage-sources.ts); sums take a fast path
 * for plain scalars. The answer is a list of pieces, never one string, since V8 caps a string at
 * about 512 MB.
 */
import type { AgentInfo, ExecutorInfo, FrameworkInfo, Resource, Task, TaskStatus } from '../../api/mesos.js';
import { isTerminalTaskState } from '../../api/mesos.js';
import { addAll, fromWireFormat, reservationRole, toEndpointFormat, withDefaultAllocationRole } from '../../allocator/resource-math.js';
import type { JsonPieces } from '../../common/http/mesos-http.js';
import { BlockCache, JsonChunks } from './json-pieces.js';
import type { AgentId, OfferId } from '../../common/ids.js';
import type { MasterCore } from '../core/master-core.js';
import type { AgentRecord, FrameworkRecord, OfferRecord } from '../core/state.js';
import type { MasterIdentity } from './state-json.js';
import { AgentTaskVersions, agentSources, agentUsedLists, changedAgentParts, Dependencies, type AgentParts, type AgentSources } from './usage-sources.js';

/** Capabilities every Meridian agent has (mesos.proto `AgentInfo.Capability`). */
const AGENT_CAPABILITIES = '[{"type":"MULTI_ROLE"},{"type":"HIERARCHICAL_ROLE"},{"type":"RESERVATION_REFINEMENT"}]';
/** `prepare` works at most this long before it lets the master's event loop run. */
const PREPARE_SLICE_MS = 20;

/** A time in milliseconds as a `TimeInfo`. */
const timeInfoJson = (ms: number): string => `{"nanoseconds":${Math.round(ms * 1e6)}}`;

/** Writes `"key":[items…]` for a non-empty list (protobuf's JSON leaves empty repeated fields out); false when empty. */
function writeList<T>(out: JsonChunks, key: string, items: Iterable<T>, write: (item: T) => void): boolean {
  let first = true;
  for (const item of items) {
    out.push(first ? `"${key}":[` : ',');
    first = false;
    write(item);
  }
  if (!first) out.push(']');
  return !first;
}

/**
 * One framework's tasks of one kind as encoded text (`task,task,…`): the tasks it was made of,
 * each as it was then, and where each one's text starts. A task's text is kept only here, so a
 * large state is held once.
 */
interface TaskListText {
  tasks: Task[];
  versions: TaskVersion[];
  starts: number[];
  buffer: Buffer;
  /** The answer it was last checked for: a list is checked once per answer. */
  checkedFor: number;
  /** The framework's `taskChanges` when it was last found current: while the same, no task needs a look. */
  taskChanges: number;
}

/** `"key":[…]` for a non-empty list of values, '' otherwise; `lead` goes before it (a comma). */
function listField(key: string, values: readonly unknown[], lead = ','): string {
  return values.length > 0 ? `${lead}"${key}":${JSON.stringify(values)}` : '';
}

// ---------------------------------------------------------------- usage

/** Resource lists (each a record's own, never edited) whose sum is wanted. */
export type ResourceLists = Array<readonly Resource[]>;

/** What a framework's tasks (those not terminal) and executors use, as the records' own lists. */
function frameworkUsedLists(framework: FrameworkRecord): ResourceLists {
  const lists: ResourceLists = [];
  for (const record of framework.tasks.values()) if (!isTerminalTaskState(record.task.state)) lists.push(record.resources);
  for (const executors of framework.executors.values()) for (const executor of executors.values()) lists.push(executorResources(framework, executor));
  return lists;
}

/** The resources of outstanding offers, by id, as the records' own lists. */
function offeredLists(core: MasterCore, offerIds: Iterable<OfferId>): ResourceLists {
  const lists: ResourceLists = [];
  for (const offerId of offerIds) {
    const offer = core.offers.get(offerId);
    if (offer) lists.push(offer.resources);
  }
  return lists;
}

/** An amount of one kind of plain scalar: name, allocation role and reservation stack. */
class ScalarSum {
  constructor(
    readonly name: string,
    readonly role: string | undefined,
    /** The reservation stack as JSON, undefined when unreserved. */
    readonly reservationsKey: string | undefined,
    readonly sample: Resource,
    public thousandths: number,
  ) {}
}

/** Whether an entry is a plain scalar: summed by name, allocation role and reservation stack alone. */
const isPlainScalar = (resource: Resource): boolean => resource.type === 'SCALAR' && resource.disk === undefined
  && resource.revocable === undefined && resource.shared === undefined && resource.provider_id === undefined
  && resource.role === undefined && resource.reservation === undefined;

/**
 * The sum of resource lists, as `addAll` of all their entries would make it. Nearly every entry
 * of a task or an offer is a plain scalar (a name, an amount, an allocation role, maybe a
 * reservation stack), and the lists hold few kinds of them: those are summed in thousandths in a
 * short list found by a linear scan, and only the rest (ranges, sets, disks, revocable or shared
 * ones) go through the general arithmetic. Nothing is kept: a sum is written again only when
 * what it sums changed, and a cache by list, kept for every task, cost the garbage collector more
 * than it saved.
 */
export function sumResourceLists(lists: readonly (readonly Resource[])[]): Resource[] {
  const sums: ScalarSum[] = [];
  let others: Resource[] | null = null;
  for (const list of lists) {
    for (const resource of list) {
      if (!isPlainScalar(resource)) {
        (others ??= []).push(resource);
        continue;
      }
      const role = resource.allocation_info?.role;
      const reservationsKey = resource.reservations === undefined ? undefined : JSON.stringify(resource.reservations);
      const thousandths = Math.round((resource.scalar?.value ?? 0) * 1000);
      let sum: ScalarSum | undefined;
      for (const candidate of sums) {
        if (candidate.name === resource.name && candidate.role === role && candidate.reservationsKey === reservationsKey) {
          sum = candidate;
          break;
        }
      }
      if (sum) sum.thousandths += thousandths;
      else sums.push(new ScalarSum(resource.name, role, reservationsKey, resource, thousandths));
    }
  }
  const out: Resource[] = [];
  for (const { name, sample, thousandths } of sums) {
    if (thousandths <= 0) continue;
    out.push({
      name,
      type: 'SCALAR',
      scalar: { value: thousandths / 1000 },
      ...(sample.reservations ? { reservations: sample.reservations } : {}),
      ...(sample.allocation_info ? { allocation_info: sample.allocation_info } : {}),
    });
  }
  return others ? [...out, ...addAll([], others)] : out;
}

/** The sum of one list's entries (see sumResourceLists). */
export const sumResources = (list: readonly Resource[]): Resource[] => sumResourceLists([list]);

/** Executors' resources as the core counts them, kept per executor (and the role they default to) so the list keeps its identity. */
const executorLists = new WeakMap<ExecutorInfo, { role: string; resources: Resource[] }>();

/** An executor's resources with their allocation role, as the core counts them. */
function executorResources(framework: FrameworkRecord, executor: ExecutorInfo): Resource[] {
  const role = framework.roles[0] ?? '*';
  const kept = executorLists.get(executor);
  if (kept && kept.role === role) return kept.resources;
  const resources = withDefaultAllocationRole(fromWireFormat(executor.resources ?? []), role);
  executorLists.set(executor, { role, resources });
  return resources;
}

const resourcesField = (key: string, resources: readonly Resource[]): string => listField(key, toEndpointFormat(resources));

// ---------------------------------------------------------------- single records

/** FrameworkInfo with the fields whose protobuf defaults Mesos' JSON spells out. */
export function frameworkInfoMessage(info: FrameworkInfo): FrameworkInfo {
  const withRole = info.role === undefined && (info.roles ?? []).length === 0 ? { role: '*' } : {};
  return { failover_timeout: 0, checkpoint: false, ...withRole, ...info };
}

/** An agent's text in three parts, each with what it was made of (see `agentJson`). */
interface AgentText extends AgentParts {
  head: string;
  used: string;
  offered: string;
  json: string;
}

/** A framework's text in parts, each with what it was made of (see `frameworkJson`). */
interface FrameworkText {
  record: unknown[];
  head: string;
  usedBy: unknown[];
  used: string;
  offers: unknown[];
  /** `,"offers":[…]` and `,"offered_resources":[…]`. */
  offered: string;
  json: string;
}

/** What a task's text depends on beyond what never changes: the core edits only these in place. */
interface TaskVersion {
  state: Task['state'];
  statusUpdateState: Task['status_update_state'];
  statusUpdateUuid: Task['status_update_uuid'];
  statusCount: number;
  lastStatus: TaskStatus | undefined;
}

const versionOf = (task: Task): TaskVersion => ({
  state: task.state,
  statusUpdateState: task.status_update_state,
  statusUpdateUuid: task.status_update_uuid,
  statusCount: task.statuses.length,
  lastStatus: task.statuses[task.statuses.length - 1],
});

/**
 * Writes the v1 state, keeping between requests what it wrote with what each piece was made of,
 * and writing a piece again only when that changed. One writer serves the Operator API's calls
 * and its event streams, so they share what is kept.
 */
export class OperatorStateWriter {
  /** Per framework record, its task lists (live, unreachable, completed) as encoded text. */
  private readonly taskListTexts = new WeakMap<FrameworkRecord, Record<TaskListKind, TaskListText | undefined>>();
  private readonly agentTexts = new WeakMap<AgentRecord, AgentText>();
  /** An agent's info and total as text: the core replaces them rather than editing them, and they change far less often than its offers. */
  private readonly agentInfoTexts = new WeakMap<AgentInfo, string>();
  private readonly totalTexts = new WeakMap<readonly Resource[], string>();
  private readonly frameworkTexts = new WeakMap<FrameworkRecord, FrameworkText>();
  private readonly offerTexts = new WeakMap<OfferRecord, { agentInfo: AgentInfo | undefined; remoteIp: string | undefined; json: string }>();
  private readonly offerAgentTexts = new WeakMap<AgentInfo, OfferAgentFields>();
  /** Bumped for an agent when a rewritten live or unreachable task list shows its tasks changed. */
  private readonly agentTaskVersions = new AgentTaskVersions();

  private readonly agentBlocks = new BlockCache();
  private readonly frameworkBlocks = new BlockCache();
  private readonly completedFrameworkBlocks = new BlockCache();

  /** Counts answers (and preparations): a task list is checked once per answer. */
  private answerNumber = 0;
  /** How deep the writing methods are called into each other: an answer starts at depth 0. */
  private depth = 0;

  /** The preparation under way, shared by requests that come while it runs. */
  private preparing: Promise<void> | null = null;

  constructor(private readonly core: MasterCore) {}

  /**
   * Writes what has never been written (a master's first GET_STATE or SUBSCRIBE on a large
   * cluster: seconds of work; new frameworks and agents) a slice at a time between turns of the
   * event loop, so the master keeps answering agents and schedulers meanwhile. What was written
   * before is left for the answer to check, which is quick. What changes in the meantime is found
   * and rewritten by the synchronous answer that follows, as between any two requests.
   */
  prepare(sliceMs = PREPARE_SLICE_MS): Promise<void> {
    this.preparing ??= this.prepareInSlices(sliceMs).finally(() => {
      this.preparing = null;
    });
    return this.preparing;
  }

  private async prepareInSlices(sliceMs: number): Promise<void> {
    let sliceStarted = performance.now();
    const pause = async (): Promise<void> => {
      if (performance.now() - sliceStarted < sliceMs) return;
      await new Promise((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    };
    this.answerNumber++;
    for (const framework of [...this.core.frameworks.values(), ...this.core.completedFrameworks]) {
      const lists = this.taskListTexts.get(framework);
      for (const kind of TASK_LIST_KINDS) {
        if (lists?.[kind] !== undefined) continue;
        this.taskList(framework, kind);
        await pause();
      }
    }
    // Agents and frameworks read the core as it is when each is written; what changes between
    // slices is caught by the answer, which checks what each text was made of.
    let sources = agentSources(this.core);
    for (const agent of [...this.core.agents.values()]) {
      if (this.agentTexts.has(agent) || !this.core.agents.has(agent.id)) continue;
      this.agentJson(agent, sources);
      if (performance.now() - sliceStarted >= sliceMs) {
        await pause();
        sources = agentSources(this.core);
      }
    }
    for (const framework of [...this.core.frameworks.values()]) {
      if (this.frameworkTexts.has(framework)) continue;
      this.frameworkJson(framework, 'live');
      await pause();
    }
  }

  /** Runs one writing method; the outermost call of a nest is one answer. */
  private writing<T>(write: () => T): T {
    if (this.depth++ === 0) this.answerNumber++;
    try {
      return write();
    } finally {
      this.depth--;
    }
  }

  /** A `Task` (mesos.proto) as JSON text: as recorded, resources in the endpoint format. */
  taskJson(task: Task): string {
    return taskJson(task);
  }

  /**
   * One framework's tasks of a kind, encoded, kept while the framework has the same tasks in the
   * same order and none of them changed; when some did, the others' text is copied from the kept
   * one, and the agents of the tasks that changed get their task version bumped. Most of a large
   * state is here, and little of it changes from one request to the next.
   */
  private taskList(framework: FrameworkRecord, kind: TaskListKind): TaskListText {
    let lists = this.taskListTexts.get(framework);
    if (!lists) this.taskListTexts.set(framework, (lists = { live: undefined, unreachable: undefined, completed: undefined }));
    const kept = lists[kind];
    if (kept && (kept.checkedFor === this.answerNumber || kept.taskChanges === framework.taskChanges || isUnchanged(kept, framework, kind))) {
      kept.checkedFor = this.answerNumber;
      kept.taskChanges = framework.taskChanges;
      return kept;
    }
    const tasks = tasksOf(framework, kind);
    const keptAt = new Map<Task, number>();
    kept?.tasks.forEach((task, i) => keptAt.set(task, i));
    const counted = kind !== 'completed';
    const pieces: Buffer[] = [];
    const starts: number[] = [];
    let bytes = 0;
    for (const task of tasks) {
      const i = keptAt.get(task);
      const current = kept !== undefined && i !== undefined && isCurrent(kept.versions[i], task);
      if (i !== undefined) keptAt.delete(task);
      if (counted && !current) this.agentTaskVersions.bump(task.agent_id?.value as AgentId);
      const piece = current
        ? kept.buffer.subarray(kept.starts[i], i + 1 < kept.starts.length ? (kept.starts[i + 1] as number) - 1 : kept.buffer.length)
        : Buffer.from(taskJson(task), 'utf8');
      if (pieces.length > 0) {
        pieces.push(COMMA);
        bytes += 1;
      }
      starts.push(bytes);
      pieces.push(piece);
      bytes += piece.length;
    }
    // Tasks gone from the list: what their agents use changed too.
    if (counted) for (const task of keptAt.keys()) this.agentTaskVersions.bump(task.agent_id?.value as AgentId);
    const text: TaskListText = {
      tasks, versions: tasks.map(versionOf), starts, buffer: Buffer.concat(pieces, bytes), checkedFor: this.answerNumber, taskChanges: framework.taskChanges,
    };
    lists[kind] = text;
    return text;
  }

  /** Checks every live framework's live and unreachable lists, so agents' task versions are current before agents are written. */
  private refreshTaskLists(): void {
    for (const framework of this.core.frameworks.values()) {
      this.taskList(framework, 'live');
      this.taskList(framework, 'unreachable');
    }
  }

  /** An `AgentInfo` message as JSON, kept per info object (the core replaces an agent's info rather than editing it). */
  private agentInfoJson(agentInfo: AgentInfo): string {
    let info = this.agentInfoTexts.get(agentInfo);
    if (info === undefined) {
      // Protobuf's JSON leaves out empty repeated fields, as Mesos' answers do (an agent without attributes).
      const { attributes, ...rest } = agentInfo;
      info = JSON.stringify({
        ...rest,
        ...(attributes !== undefined && attributes.length > 0 ? { attributes } : {}),
        ...(agentInfo.resources ? { resources: toEndpointFormat(fromWireFormat(agentInfo.resources)) } : {}),
      });
      this.agentInfoTexts.set(agentInfo, info);
    }
    return info;
  }

  /** `Response.GetAgents.Agent` up to what it uses: everything of its own record. */
  private agentHead(agent: AgentRecord): string {
    let total = this.totalTexts.get(agent.total);
    if (total === undefined) {
      total = resourcesField('total_resources', agent.total);
      this.totalTexts.set(agent.total, total);
    }
    return `{"agent_info":${this.agentInfoJson(agent.info)},"active":${agent.connectionId !== null},"version":${JSON.stringify(agent.version)}`
      + `,"pid":${JSON.stringify(`slave(1)@${agent.remoteIp}:${agent.info.port ?? 5051}`)},"registered_time":${timeInfoJson(agent.registeredAtMs)}`
      + (agent.reregisteredAtMs !== null ? `,"reregistered_time":${timeInfoJson(agent.reregisteredAtMs)}` : '')
      + total;
  }

  /**
   * `Response.GetAgents.Agent`, in three parts each written again only when what it is made of
   * changed: the agent's own record (the core replaces an agent's info and total rather than
   * editing them), what it uses (see usage-sources.ts), and what it is offered.
   */
  private agentJson(agent: AgentRecord, sources: AgentSources): string {
    const kept = this.agentTexts.get(agent);
    const { record: recordChanged, usedBy: usedChanged, offeredBy: offeredChanged } = changedAgentParts(this.core, agent, kept, this.agentTaskVersions, sources);
    if (kept && recordChanged === null && usedChanged === null && offeredChanged === null) return kept.json;
    const head = kept && recordChanged === null ? kept.head : this.agentHead(agent);
    const used = kept && usedChanged === null ? kept.used
      : resourcesField('allocated_resources', sumResourceLists(agentUsedLists(this.core, agent, sources, executorResources) ?? [this.core.usedResourcesOf(agent.id)]));
    const offered = kept && offeredChanged === null ? kept.offered : resourcesField('offered_resources', sumResourceLists(offeredLists(this.core, agent.offers)));
    const json = `${head}${used}${offered},"capabilities":${AGENT_CAPABILITIES}}`;
    this.agentTexts.set(agent, {
      record: recordChanged ?? kept?.record ?? [], head, usedBy: usedChanged ?? kept?.usedBy ?? [], used, offeredBy: offeredChanged ?? kept?.offeredBy ?? [], offered, json,
    });
    return json;
  }

  /** An agent as an event gives it (AGENT_ADDED), read from the core now. */
  agentEventJson(agent: AgentRecord): string {
    return `${this.agentHead(agent)}${resourcesField('allocated_resources', sumResources(this.core.usedResourcesOf(agent.id)))}`
      + `${resourcesField('offered_resources', sumResources(this.core.offeredResourcesOf(agent.id)))},"capabilities":${AGENT_CAPABILITIES}}`;
  }

  /**
   * An outstanding offer (mesos.proto `Offer`), kept while its agent's info and address are the
   * same. What it takes from its agent is written once per agent and shared by the agent's offers:
   * the allocator makes offers all the time, and on a large cluster thousands at once.
   */
  private offerJson(offer: OfferRecord): string {
    const agent = this.core.agents.get(offer.agentId);
    const kept = this.offerTexts.get(offer);
    if (kept && kept.agentInfo === agent?.info && kept.remoteIp === agent?.remoteIp) return kept.json;
    const fromAgent = this.offerAgentFields(agent);
    const json = `{"id":{"value":${JSON.stringify(offer.id)}},"framework_id":{"value":${JSON.stringify(offer.frameworkId)}}`
      + `,"agent_id":{"value":${JSON.stringify(offer.agentId)}}${fromAgent.location}`
      + `,"allocation_info":{"role":${JSON.stringify(offer.role)}},"resources":${JSON.stringify(toEndpointFormat(offer.resources))}${fromAgent.attributes}}`;
    this.offerTexts.set(offer, { agentInfo: agent?.info, remoteIp: agent?.remoteIp, json });
    return json;
  }

  /** An offer's fields taken from its agent: `hostname`, `url` and `domain`, and `attributes` (each with its leading comma). */
  private offerAgentFields(agent: AgentRecord | undefined): OfferAgentFields {
    if (!agent) return NO_AGENT_FIELDS;
    const kept = this.offerAgentTexts.get(agent.info);
    if (kept && kept.remoteIp === agent.remoteIp) return kept;
    const { port, domain, attributes } = agent.info;
    const hostname = agent.info.hostname ?? '';
    const url = { scheme: 'http', address: { hostname, ip: agent.remoteIp, port: port ?? 5051 }, path: '/slave(1)' };
    const fields: OfferAgentFields = {
      remoteIp: agent.remoteIp,
      location: `,"hostname":${JSON.stringify(hostname)},"url":${JSON.stringify(url)}${domain ? `,"domain":${JSON.stringify(domain)}` : ''}`,
      attributes: attributes !== undefined && attributes.length > 0 ? `,"attributes":${JSON.stringify(attributes)}` : '',
    };
    this.offerAgentTexts.set(agent.info, fields);
    return fields;
  }

  /** A framework's outstanding offers. */
  private offersOf(framework: FrameworkRecord): OfferRecord[] {
    const offers: OfferRecord[] = [];
    for (const offerId of framework.offers) {
      const offer = this.core.offers.get(offerId);
      if (offer) offers.push(offer);
    }
    return offers;
  }

  /** `,"offers":[…]` (left out when none) and `,"offered_resources":[…]`. */
  private offeredText(offers: readonly OfferRecord[]): string {
    // Concatenated, not joined: V8 then keeps references to the offers' kept texts instead of a
    // copy of them. A framework's offers change one by one, and each change writes this again.
    let listed = '';
    for (const offer of offers) listed += (listed === '' ? ',"offers":[' : ',') + this.offerJson(offer);
    if (listed !== '') listed += ']';
    return listed + resourcesField('offered_resources', sumResourceLists(offers.map((offer) => offer.resources)));
  }

  /**
   * `Response.GetFrameworks.Framework` up to its offers. A framework is active and connected while
   * its scheduler is subscribed (Meridian has no other deactivation); a completed one is neither.
   */
  private frameworkHead(framework: FrameworkRecord, connected: boolean): string {
    return `{"framework_info":${JSON.stringify(frameworkInfoMessage(framework.info))},"active":${connected},"connected":${connected},"recovered":false`
      + `,"registered_time":${timeInfoJson(framework.registeredAtMs)}`
      + (framework.reregisteredAtMs !== null ? `,"reregistered_time":${timeInfoJson(framework.reregisteredAtMs)}` : '')
      + (framework.unregisteredAtMs !== null ? `,"unregistered_time":${timeInfoJson(framework.unregisteredAtMs)}` : '');
  }

  /**
   * `Response.GetFrameworks.Framework` of a live framework or a completed one (which holds
   * nothing), in parts each written again only when what it is made of changed: its own record,
   * what it uses (its live task list, as kept, and its executors), and its offers' texts (an
   * offer's follows its agent's info and address, which change when the agent reregisters).
   */
  private frameworkJson(framework: FrameworkRecord, kind: 'live' | 'completed'): string {
    const live = kind === 'live';
    const connected = live && framework.connectionId !== null;
    const kept = this.frameworkTexts.get(framework);
    const record = new Dependencies(kept?.record);
    record.see(framework.info);
    record.see(connected);
    record.see(framework.registeredAtMs);
    record.see(framework.reregisteredAtMs);
    record.see(framework.unregisteredAtMs);
    const usedBy = new Dependencies(kept?.usedBy);
    usedBy.see(live);
    if (live) {
      usedBy.see(this.taskList(framework, 'live'));
      usedBy.see(framework.roles);
      for (const executors of framework.executors.values()) for (const executor of executors.values()) usedBy.see(executor);
    }
    const offers = live ? this.offersOf(framework) : [];
    const offersSeen = new Dependencies(kept?.offers);
    for (const offer of offers) {
      // An offer's text follows its agent's info and address, which change when it reregisters.
      const agent = this.core.agents.get(offer.agentId);
      offersSeen.see(offer);
      offersSeen.see(agent?.info);
      offersSeen.see(agent?.remoteIp);
    }
    const [recordChanged, usedChanged, offersChanged] = [record.changed(), usedBy.changed(), offersSeen.changed()];
    if (kept && recordChanged === null && usedChanged === null && offersChanged === null) return kept.json;
    const head = kept && recordChanged === null ? kept.head : this.frameworkHead(framework, connected);
    const used = kept && usedChanged === null ? kept.used : resourcesField('allocated_resources', live ? sumResourceLists(frameworkUsedLists(framework)) : []);
    const offered = kept && offersChanged === null ? kept.offered : this.offeredText(offers);
    const json = `${head}${offered}${used}}`;
    this.frameworkTexts.set(framework, {
      record: recordChanged ?? kept?.record ?? [], head, usedBy: usedChanged ?? kept?.usedBy ?? [], used, offers: offersChanged ?? kept?.offers ?? [], offered, json,
    });
    return json;
  }

  /** A framework as an event gives it (FRAMEWORK_ADDED, FRAMEWORK_UPDATED), read from the core now. */
  frameworkEventJson(framework: FrameworkRecord): string {
    const used = resourcesField('allocated_resources', sumResourceLists(frameworkUsedLists(framework)));
    return `${this.frameworkHead(framework, framework.connectionId !== null)}${this.offeredText(this.offersOf(framework))}${used}}`;
  }

  // ---------------------------------------------------------------- listings

  /**
   * `Response.GetAgents`: registered agents, and as `recovered_agents` the AgentInfo of agents the
   * registry held when this master started that have not reregistered yet (left out when there
   * are none, as protobuf's JSON leaves out empty lists).
   */
  writeAgents(out: JsonChunks): void {
    this.writing(() => {
      this.refreshTaskLists();
      const sources = agentSources(this.core);
      const texts: string[] = [];
      for (const agent of this.core.agents.values()) texts.push(this.agentJson(agent, sources));
      this.agentTaskVersions.prune(this.core);
      out.push('{');
      const any = this.agentBlocks.writeList(out, 'agents', texts);
      if (this.core.recoveredAgents.size > 0) {
        const recovered = [...this.core.recoveredAgents.values()].map((info) => this.agentInfoJson(info));
        out.push(`${any ? ',' : ''}"recovered_agents":[${recovered.join(',')}]`);
      }
      out.push('}');
    });
  }

  /** `Response.GetFrameworks`: subscribed (or failing over) frameworks and the bounded history of removed ones. */
  writeFrameworks(out: JsonChunks): void {
    this.writing(() => {
      const live: string[] = [];
      for (const framework of this.core.frameworks.values()) live.push(this.frameworkJson(framework, 'live'));
      const completed = this.core.completedFrameworks.map((framework) => this.frameworkJson(framework, 'completed'));
      out.push('{');
      const any = this.frameworkBlocks.writeList(out, 'frameworks', live);
      if (any && completed.length > 0) out.push(',');
      this.completedFrameworkBlocks.writeList(out, 'completed_frameworks', completed);
      out.push('}');
    });
  }

  /** `Response.GetExecutors`: the executors of subscribed frameworks, with the agent each runs on. */
  writeExecutors(out: JsonChunks): void {
    const executors: Array<{ executor_info: ExecutorInfo; agent_id: { value: string } }> = [];
    for (const framework of this.core.frameworks.values()) {
      for (const [agentId, byId] of framework.executors) {
        for (const executor of byId.values()) {
          const { resources, ...rest } = executor;
          const converted = toEndpointFormat(resources ?? []);
          executors.push({ executor_info: { ...rest, ...(converted.length > 0 ? { resources: converted } : {}) }, agent_id: { value: agentId } });
        }
      }
    }
    out.push(`{${listField('executors', executors, '')}}`);
  }

  /**
   * `Response.GetTasks`: `tasks` are launched and not yet completed (a terminal one stays until the
   * framework acknowledges its last update), `unreachable_tasks` are on unreachable agents, and
   * `completed_tasks` the bounded history, removed frameworks' included. Nothing waits in the
   * master before its launch, so `pending_tasks` is always empty.
   */
  writeTasks(out: JsonChunks): void {
    this.writing(() => {
      const live = [...this.core.frameworks.values()];
      const lists: Array<[string, TaskListKind, FrameworkRecord[]]> = [
        ['tasks', 'live', live],
        ['unreachable_tasks', 'unreachable', live],
        ['completed_tasks', 'completed', [...live, ...this.core.completedFrameworks]],
      ];
      out.push('{');
      let fields = 0;
      for (const [key, kind, frameworks] of lists) {
        const texts = frameworks.map((framework) => this.taskList(framework, kind)).filter((text) => text.tasks.length > 0);
        if (texts.length === 0) continue;
        out.push(fields++ > 0 ? ',' : '');
        writeList(out, key, texts, (text) => out.pushBuffer(text.buffer));
      }
      out.push('}');
    });
  }

  /** `Response.GetState`: the four listings, read at one moment (nothing runs between the parts). */
  writeState(out: JsonChunks): void {
    this.writing(() => {
      out.push('{"get_tasks":');
      this.writeTasks(out);
      out.push(',"get_executors":');
      this.writeExecutors(out);
      out.push(',"get_frameworks":');
      this.writeFrameworks(out);
      out.push(',"get_agents":');
      this.writeAgents(out);
      out.push('}');
    });
  }

  /** A whole answer `{"type": T, "<body key>": …}`, in pieces. */
  answer(type: string, bodyKey: string, write: (out: JsonChunks) => void): JsonPieces {
    const out = new JsonChunks();
    out.push(`{"type":${JSON.stringify(type)},${JSON.stringify(bodyKey)}:`);
    this.writing(() => write(out));
    out.push('}');
    return out.answer();
  }
}

type TaskListKind = 'live' | 'unreachable' | 'completed';
const TASK_LIST_KINDS: readonly TaskListKind[] = ['live', 'unreachable', 'completed'];

function tasksOf(framework: FrameworkRecord, kind: TaskListKind): Task[] {
  if (kind === 'completed') return framework.completedTasks.slice();
  const tasks: Task[] = [];
  for (const record of (kind === 'live' ? framework.tasks : framework.unreachableTasks).values()) tasks.push(record.task);
  return tasks;
}

/** Whether a kept list still holds a framework's tasks of a kind, each as it was: one pass, no new list. */
function isUnchanged(kept: TaskListText, framework: FrameworkRecord, kind: TaskListKind): boolean {
  const { tasks, versions } = kept;
  if (kind === 'completed') {
    const completed = framework.completedTasks;
    if (completed.length !== tasks.length) return false;
    for (let i = 0; i < completed.length; i++) if (completed[i] !== tasks[i] || !isCurrent(versions[i], completed[i] as Task)) return false;
    return true;
  }
  const records = kind === 'live' ? framework.tasks : framework.unreachableTasks;
  if (records.size !== tasks.length) return false;
  let i = 0;
  for (const record of records.values()) {
    if (record.task !== tasks[i] || !isCurrent(versions[i], record.task)) return false;
    i++;
  }
  return true;
}

const COMMA = Buffer.from(',');

/** A `Task` (mesos.proto) as JSON text: as recorded, resources in the endpoint format. */
function taskJson(task: Task): string {
  return JSON.stringify({ ...task, resources: toEndpointFormat(task.resources) });
}

/** Whether text made from a task as it was (`kept`) is still true of it. */
function isCurrent(kept: TaskVersion | undefined, task: Task): boolean {
  return kept !== undefined && kept.state === task.state && kept.statusUpdateState === task.status_update_state
    && kept.statusUpdateUuid === task.status_update_uuid && kept.statusCount === task.statuses.length
    && kept.lastStatus === task.statuses[task.statuses.length - 1];
}

/** What an offer takes from its agent, as text (see `offerJson`). */
interface OfferAgentFields {
  remoteIp: string | undefined;
  location: string;
  attributes: string;
}

/** An offer whose agent is gone names no host. */
const NO_AGENT_FIELDS: OfferAgentFields = { remoteIp: undefined, location: ',"hostname":""', attributes: '' };

// ---------------------------------------------------------------- roles and the master

/**
 * `Response.GetRoles` (mesos.proto `Role`: name, weight, frameworks, resources): every role that
 * a framework is subscribed to, has a weight or quota set, holds reservations, or has resources
 * allocated or offered, sorted by name. `resources` is what is allocated (used) and offered to
 * the role itself, as Mesos counts it.
 */
export function getRoles(core: MasterCore): Record<string, unknown> {
  const names = new Set<string>();
  const frameworksOf = new Map<string, Array<{ value: string }>>();
  for (const framework of core.frameworks.values()) {
    for (const role of framework.roles) {
      names.add(role);
      const list = frameworksOf.get(role);
      if (list) list.push({ value: framework.id });
      else frameworksOf.set(role, [{ value: framework.id }]);
    }
  }
  const weights = new Map(core.weightInfos().map((info) => [info.role, info.weight]));
  for (const role of weights.keys()) names.add(role);
  for (const role of core.quotas().keys()) names.add(role);
  for (const agent of core.agents.values()) {
    for (const resource of agent.total) if (resource.reservations !== undefined) names.add(reservationRole(resource));
  }
  const allocated = new Map<string, Resource[]>();
  const byRole = (resources: readonly Resource[]): void => {
    for (const resource of resources) {
      const role = resource.allocation_info?.role;
      if (role === undefined) continue;
      names.add(role);
      const list = allocated.get(role);
      if (list) list.push(resource);
      else allocated.set(role, [resource]);
    }
  };
  for (const framework of core.frameworks.values()) {
    for (const record of framework.tasks.values()) if (!isTerminalTaskState(record.task.state)) byRole(record.resources);
    for (const executors of framework.executors.values()) for (const executor of executors.values()) byRole(executorResources(framework, executor));
  }
  for (const offer of core.offers.values()) byRole(offer.resources);
  const roles = [...names].sort().map((name) => {
    const frameworks = frameworksOf.get(name) ?? [];
    const resources = toEndpointFormat(sumResources(allocated.get(name) ?? []));
    return { name, weight: weights.get(name) ?? 1, ...(frameworks.length > 0 ? { frameworks } : {}), ...(resources.length > 0 ? { resources } : {}) };
  });
  return roles.length > 0 ? { roles } : {};
}

/** `Response.GetMaster`: the MasterInfo frameworks get, and when this master started and was elected (seconds). */
export function getMaster(core: MasterCore, identity: MasterIdentity): Record<string, unknown> {
  return { master_info: core.options.masterInfo, start_time: identity.startTimeMs / 1000, elected_time: identity.electedTimeMs / 1000 };
}
