/**
 * The master's Operator API (`POST /api/v1`, master.proto) and the legacy `/weights` and `/quota` endpoints.
 * Each implemented call type has one handler in `OperatorApi.handlers`; a known type without one
 * answers 501, so adding a call is adding its handler. Handlers read the core through its
 * accessors and change it only through `MasterShell.step`. The v1 state is built in
 * operator-state.ts and the SUBSCRIBE stream kept in operator-events.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getWeightsResponse, QuotaRequest, validateMasterCall, validateWeightInfoArray, type MasterCall, type MasterCallType, type QuotaConfig,
  type ReserveResources, type SetLoggingLevel, type UnreserveResources, type WeightInfo,
} from '../../api/operator/calls.js';
import type { Resource } from '../../api/mesos.js';
import { makeValidator, parseAndValidate, type Validation } from '../../api/schema.js';
import { formatDuration, type FlagSpec, type FlagValues } from '../../common/flags.js';
import { acceptsJson, readCall, sendJsonPieces, sendText, type JsonPieces } from '../../common/http/mesos-http.js';
import type { AgentId, FrameworkId } from '../../common/ids.js';
import type { Logger } from '../../common/log.js';
import { LoggingLevel } from '../../common/logging-level.js';
import type { MetricsSnapshot } from '../../common/metrics/snapshot.js';
import type { MasterInput } from '../core/types.js';
import { checkWeightInfos, mergeWeights } from '../core/weights.js';
import { applyQuotaUpdate, checkQuotaConfigs, quotaStatus } from '../core/quota-rules.js';
import type { GoneAgentsStore } from './gone-agents-store.js';
import type { MasterShell } from './master-shell.js';
import type { OperatorEvents } from './operator-events.js';
import type { JsonChunks } from './json-pieces.js';
import { getMaster, getRoles, type OperatorStateWriter } from './operator-state.js';
import type { QuotaStore } from './quota-store.js';
import type { MasterIdentity } from './state-json.js';
import { MESOS_VERSION, versionJson } from './version.js';
import type { WeightsStore } from './weights-store.js';

const validateQuotaRequest = makeValidator(QuotaRequest);

/**
 * What a handler answers: 200 with an optional JSON body (or one already written, in pieces),
 * 202 (applied, no body), or a status with a plain-text reason.
 */
export type OperatorAnswer =
  | { status: 200; json?: unknown }
  | { status: 200; written: JsonPieces }
  | { status: 202 }
  | { status: 400 | 404 | 409 | 500 | 501 | 503; text: string };

/** What the Operator API needs besides the shell; a null store keeps that part in memory only (no `--work_dir`). */
export interface OperatorApiOptions {
  weightsStore: WeightsStore | null;
  quotaStore: QuotaStore | null;
  goneAgentsStore: GoneAgentsStore | null;
  /** Who this master is and since when (GET_MASTER). */
  identity: MasterIdentity;
  /** The flags the master runs with, durations in milliseconds (GET_FLAGS), and their declarations. */
  flags: FlagValues;
  flagSpecs: readonly FlagSpec[];
  /** The snapshot behind `/metrics/snapshot` (GET_METRICS). */
  metrics: () => MetricsSnapshot;
  /** Writes the v1 state (its text cache is shared with the event streams). */
  stateWriter: OperatorStateWriter;
  /** The SUBSCRIBE streams. */
  events: OperatorEvents;
}

type OperatorHandlers = {
  [T in MasterCallType]?: (call: MasterCall & { type: T }) => OperatorAnswer | Promise<OperatorAnswer>;
};

export class OperatorApi {
  /**
   * Weight and quota updates run one at a time, so each is checked against, and saves, what the
   * one before it left.
   */
  private updates: Promise<unknown> = Promise.resolve();

  private readonly handlers: OperatorHandlers = {
    GET_HEALTH: () => ({ status: 200, json: { type: 'GET_HEALTH', get_health: { healthy: true } } }),
    GET_FLAGS: () => ({ status: 200, json: { type: 'GET_FLAGS', get_flags: flagsMessage(this.options.flags, this.options.flagSpecs) } }),
    GET_VERSION: () => ({ status: 200, json: { type: 'GET_VERSION', get_version: { version_info: versionInfo() } } }),
    GET_METRICS: () => ({ status: 200, json: { type: 'GET_METRICS', get_metrics: metricsMessage(this.options.metrics()) } }),
    GET_LOGGING_LEVEL: () => ({ status: 200, json: { type: 'GET_LOGGING_LEVEL', get_logging_level: { level: this.loggingLevel.verbosity() } } }),
    SET_LOGGING_LEVEL: (call) => this.setLoggingLevel(call.set_logging_level as SetLoggingLevel),
    GET_STATE: () => this.written('GET_STATE', (out) => this.options.stateWriter.writeState(out)),
    GET_AGENTS: () => this.written('GET_AGENTS', (out) => this.options.stateWriter.writeAgents(out)),
    GET_FRAMEWORKS: () => this.written('GET_FRAMEWORKS', (out) => this.options.stateWriter.writeFrameworks(out)),
    GET_EXECUTORS: () => this.written('GET_EXECUTORS', (out) => this.options.stateWriter.writeExecutors(out)),
    GET_TASKS: () => this.written('GET_TASKS', (out) => this.options.stateWriter.writeTasks(out)),
    GET_OPERATIONS: () => ({ status: 200, json: { type: 'GET_OPERATIONS', get_operations: this.shell.core.operations.getOperations() } }),
    GET_ROLES: () => ({ status: 200, json: { type: 'GET_ROLES', get_roles: getRoles(this.shell.core) } }),
    GET_MASTER: () => ({ status: 200, json: { type: 'GET_MASTER', get_master: getMaster(this.shell.core, this.options.identity) } }),
    TEARDOWN: (call) => this.teardown((call.teardown as { framework_id: { value: string } }).framework_id.value as FrameworkId),
    MARK_AGENT_GONE: (call) => this.markAgentGone((call.mark_agent_gone as { agent_id: { value: string } }).agent_id.value as AgentId),
    GET_WEIGHTS: () => ({ status: 200, json: getWeightsResponse(this.shell.core.weightInfos()) }),
    UPDATE_WEIGHTS: (call) => this.updateWeights(call.update_weights?.weight_infos ?? [], 'update_weights.weight_infos'),
    RESERVE_RESOURCES: (call) => {
      const body = call.reserve_resources as ReserveResources;
      return this.reservation({ kind: 'reserve-resources', agentId: body.agent_id.value as AgentId, source: body.source ?? [], resources: body.resources });
    },
    GET_QUOTA: () => ({ status: 200, json: { type: 'GET_QUOTA', get_quota: { status: quotaStatus(this.shell.core.quotas()) } } }),
    UPDATE_QUOTA: (call) => this.updateQuota(call.update_quota?.quota_configs ?? [], call.update_quota?.force ?? false, 'update_quota.quota_configs'),
    SET_QUOTA: (call) => this.setQuota((call.set_quota as { quota_request: QuotaRequest }).quota_request, 'set_quota.quota_request'),
    REMOVE_QUOTA: (call) => this.removeQuota((call.remove_quota as { role: string }).role, 'remove_quota.role'),
    UNRESERVE_RESOURCES: (call) => {
      const body = call.unreserve_resources as UnreserveResources;
      return this.reservation({ kind: 'unreserve-resources', agentId: body.agent_id.value as AgentId, resources: body.resources });
    },
  };

  private readonly loggingLevel: LoggingLevel;

  constructor(
    private readonly shell: MasterShell,
    private readonly logger: Logger,
    private readonly options: OperatorApiOptions,
  ) {
    this.loggingLevel = new LoggingLevel(logger);
  }

  /** The master stops: a raised log level no longer needs to be reverted. */
  stop(): void {
    this.loggingLevel.stop();
  }

  registerRoutes(app: FastifyInstance): void {
    for (const path of ['/api/v1', '/api/v1/']) app.all(path, (request, reply) => this.onCall(request, reply));
    for (const path of ['/weights', '/master/weights']) app.all(path, (request, reply) => this.onWeights(request, reply));
    for (const path of ['/quota', '/master/quota', '/quota/*', '/master/quota/*']) app.all(path, (request, reply) => this.onQuota(request, reply));
  }

  private async onCall(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const call = readCall(request, reply, validateMasterCall);
    if (!call) return reply;
    // Mesos checks Accept after the call validates; every answer here is JSON (or empty).
    if (!acceptsJson(request)) return sendText(reply, 406, "Expecting 'Accept' to allow 'application/json'");
    if (call.type === 'SUBSCRIBE') {
      await this.options.events.subscribe(reply);
      return undefined;
    }
    const handler = this.handlers[call.type] as ((call: MasterCall) => OperatorAnswer | Promise<OperatorAnswer>) | undefined;
    if (!handler) return sendText(reply, 501, `Meridian does not implement the '${call.type}' call yet`);
    const answer = await handler(call);
    // A handler's 400 names a field, as the call validator's do; both read the same way.
    if (answer.status === 400) return sendText(reply, 400, `Failed to validate master::Call: ${answer.text}`);
    return send(reply, answer);
  }

  /**
   * RESERVE_RESOURCES / UNRESERVE_RESOURCES: the core checks and applies them in one step and says
   * how it went. Like Mesos: 202 Accepted once the master has applied the change (the agent is
   * told asynchronously), 400 for an invalid request or an unknown agent, 409 Conflict when the
   * resources are not free even after rescinding offers.
   */
  private reservation(input: MasterInput & { kind: 'reserve-resources' | 'unreserve-resources' }): OperatorAnswer {
    const effects = this.shell.step(input);
    const found = effects.find((effect) => effect.kind === 'operator-answer');
    if (!found || found.kind !== 'operator-answer') return { status: 503, text: 'The master is stopping' };
    const { status, message } = found.answer;
    return status === 202 ? { status } : { status, text: message };
  }

  /**
   * UPDATE_QUOTA: each config checked on its own, then against the cluster (tree, and without
   * `force` consumption and capacity), saved, and only then applied; all or nothing.
   */
  private updateQuota(configs: readonly QuotaConfig[], force: boolean, path: string, conflictStatus: 400 | 409 = 400): Promise<OperatorAnswer> {
    const checked = checkQuotaConfigs(configs, path);
    if (!checked.ok) return Promise.resolve({ status: 400, text: checked.error });
    if (checked.value.length === 0) return Promise.resolve({ status: 200 });
    const update = checked.value;
    return this.saveThenApply('quota', this.options.quotaStore, () => {
      const problem = this.shell.core.checkQuotaUpdate(update, force);
      return problem ? { status: problem.overcommit ? conflictStatus : 400, text: problem.message } : null;
    }, (store) => store.save(applyQuotaUpdate(this.shell.core.quotas(), update)), () => this.shell.step({ kind: 'update-quota', update }));
  }

  /**
   * The deprecated SET_QUOTA (and `POST /quota`): guarantees that are also the limits, for a role
   * that has no quota yet; guarantees the cluster cannot hold are a 409 Conflict, as in Mesos.
   */
  private setQuota(request: QuotaRequest, path: string): Promise<OperatorAnswer> {
    const amounts = requestAmounts(request.guarantee ?? [], `${path}.guarantee`);
    if (!amounts.ok) return Promise.resolve({ status: 400, text: amounts.error });
    if (this.shell.core.quotas().has(request.role.trim())) {
      return Promise.resolve({ status: 400, text: `${path}.role: cannot set quota for role '${request.role}' which already has quota` });
    }
    return this.updateQuota([{ role: request.role, guarantees: amounts.value, limits: amounts.value }], request.force ?? false, path.replace(/\.quota_request$/, ''), 409);
  }

  /** The deprecated REMOVE_QUOTA (and `DELETE /quota/<role>`). */
  private removeQuota(role: string, path: string): Promise<OperatorAnswer> {
    if (!this.shell.core.quotas().has(role)) return Promise.resolve({ status: 400, text: `${path}: no quota set for role '${role}'` });
    return this.updateQuota([{ role }], true, path);
  }

  /** Mesos' deprecated `/quota`: GET the QuotaStatus, POST a QuotaRequest, DELETE `/quota/<role>`. */
  private async onQuota(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const role = decodeURIComponent(request.url.split('?')[0]?.replace(/^\/(master\/)?quota\/?/, '') ?? '');
    if (request.method === 'GET' && role === '') return send(reply, { status: 200, json: quotaStatus(this.shell.core.quotas()) });
    if (request.method === 'DELETE' && role !== '') return send(reply, plainBadRequest(await this.removeQuota(role, 'role'), 'Failed to validate remove quota request'));
    if (request.method === 'POST' && role === '') {
      const parsed = parseAndValidate(String(request.body ?? ''), validateQuotaRequest);
      if (!parsed.ok) return sendText(reply, 400, `Failed to validate set quota request JSON: ${parsed.error}`);
      return send(reply, plainBadRequest(await this.setQuota(parsed.value, 'request'), 'Failed to validate set quota request'));
    }
    return sendText(reply, 405, `Expecting one of { 'GET', 'POST', 'DELETE /quota/<role>' }, but received '${request.method} ${request.url}'`);
  }

  /** Mesos' `/weights`: GET lists the weights set, PUT sets some (a JSON array of WeightInfo). */
  private async onWeights(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    if (request.method === 'GET') return send(reply, { status: 200, json: this.shell.core.weightInfos() });
    if (request.method !== 'PUT') return sendText(reply, 405, `Expecting one of { 'GET', 'PUT' }, but received '${request.method}'`);
    // As in Mesos, the body is read as JSON whatever its Content-Type (`curl -d` sends a form type).
    const parsed = parseAndValidate(String(request.body ?? ''), validateWeightInfoArray);
    if (!parsed.ok) return sendText(reply, 400, `Failed to validate update weights request JSON: ${parsed.error}`);
    const answer = await this.updateWeights(parsed.value, '');
    if (answer.status === 400) return sendText(reply, 400, `Failed to validate update weights request JSON: ${answer.text}`);
    return send(reply, answer);
  }

  /**
   * Checks the weights, saves the result of applying them, and only then applies them to the core:
   * a 200 means the weights survive a restart, and a failed save changes nothing.
   */
  private updateWeights(weightInfos: readonly WeightInfo[], path: string): Promise<OperatorAnswer> {
    const checked = checkWeightInfos(weightInfos, path);
    if (!checked.ok) return Promise.resolve({ status: 400, text: checked.error });
    if (checked.value.length === 0) return Promise.resolve({ status: 200 });
    const update = checked.value;
    return this.saveThenApply('weights', this.options.weightsStore, () => null, (store) => store.save(mergeWeights(this.shell.core.weightInfos(), update)),
      () => this.shell.step({ kind: 'update-weights', weights: update }));
  }

  /**
   * A 200 whose body `write` writes: `{"type": type, "<type in lower case>": …}`. What was never
   * written is prepared first without blocking the master; the answer itself is written at once.
   */
  private async written(type: MasterCallType, write: (out: JsonChunks) => void): Promise<OperatorAnswer> {
    await this.options.stateWriter.prepare();
    return { status: 200, written: this.options.stateWriter.answer(type, type.toLowerCase(), write) };
  }

  /**
   * SET_LOGGING_LEVEL: more verbose logs for a while. Answers 200 with no body once in force, as
   * Mesos does.
   */
  private setLoggingLevel(body: SetLoggingLevel): OperatorAnswer {
    this.loggingLevel.set(body.level, body.duration.nanoseconds / 1e6);
    this.logger.info({ verbosity: body.level, level: this.logger.level, durationMs: body.duration.nanoseconds / 1e6 }, 'Logging level set by the operator');
    return { status: 200 };
  }

  /**
   * TEARDOWN: the framework is removed as if its scheduler tore it down (tasks killed, executors
   * shut down, offers rescinded). 200 with no body; 400 for a framework this master does not
   * run, as Mesos (a removed one included).
   */
  private teardown(frameworkId: FrameworkId): OperatorAnswer {
    const access = this.shell.core.frameworkAccess(frameworkId);
    if (access.kind !== 'known') {
      return { status: 400, text: `teardown.framework_id: no framework found with ID '${frameworkId}'${access.kind === 'removed' ? ' (it was removed already)' : ''}` };
    }
    this.shell.step({ kind: 'teardown-framework', frameworkId });
    return { status: 200 };
  }

  /**
   * MARK_AGENT_GONE: saved (with a work_dir) before it is applied, so the agent stays refused
   * after a restart. 200 with no body, also for an agent already gone (the call is idempotent,
   * as in Mesos); 404 for an agent the master never knew or has forgotten.
   */
  private markAgentGone(agentId: AgentId): Promise<OperatorAnswer> {
    const unknown = (): OperatorAnswer | null => (this.shell.core.agentStanding(agentId) === 'unknown'
      ? { status: 404, text: `mark_agent_gone.agent_id: no registered or unreachable agent with ID '${agentId}'` }
      : null);
    if (this.shell.core.agentStanding(agentId) === 'gone') return Promise.resolve({ status: 200 });
    return this.saveThenApply('gone agents', this.options.goneAgentsStore, unknown, (store) => store.add(agentId), () => {
      if (this.shell.core.agentStanding(agentId) !== 'gone') this.shell.step({ kind: 'mark-agent-gone', agentId });
    });
  }

  /**
   * Runs after the updates queued before it: `check` against what they left, then `save` (when
   * the master has a work_dir), and only then `apply`. A 200 means the change survives a restart;
   * a failed save is a 503 and changes nothing.
   */
  private saveThenApply<S extends { path: string }>(
    what: string, store: S | null, check: () => OperatorAnswer | null, save: (store: S) => Promise<void>, apply: () => void,
  ): Promise<OperatorAnswer> {
    const run = this.updates.then(async (): Promise<OperatorAnswer> => {
      const refused = check();
      if (refused) return refused;
      if (store) {
        try {
          await save(store);
        } catch (error) {
          this.logger.error({ err: error, file: store.path }, `Failed to save ${what}`);
          return { status: 503, text: `Failed to save the ${what} to ${store.path}: ${(error as Error).message}; nothing was changed` };
        }
      }
      apply();
      return { status: 200 };
    });
    this.updates = run.catch(() => undefined);
    return run;
  }
}

/** `Response.GetFlags`: every flag that has a value, by name, durations written as Mesos writes them (`15secs`). */
export function flagsMessage(values: FlagValues, specs: readonly FlagSpec[]): { flags?: Array<{ name: string; value: string }> } {
  const flags: Array<{ name: string; value: string }> = [];
  for (const spec of specs) {
    const value = values[spec.name];
    if (value === undefined) continue;
    flags.push({ name: spec.name, value: spec.kind === 'duration' && typeof value === 'number' ? formatDuration(value) : String(value) });
  }
  flags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return flags.length > 0 ? { flags } : {};
}

/** mesos.proto `VersionInfo`: the Mesos version Meridian answers as (see version.ts). */
function versionInfo(): Record<string, string | number> {
  const { meridian_version: _meridian, ...mesos } = versionJson();
  return { ...mesos, version: MESOS_VERSION };
}

/** `Response.GetMetrics`: the `/metrics/snapshot` values as `{name, value}` pairs, sorted by name. */
export function metricsMessage(snapshot: MetricsSnapshot): { metrics?: Array<{ name: string; value: number }> } {
  const metrics = snapshot.list().map((sample) => ({ name: sample.key, value: sample.value }));
  return metrics.length > 0 ? { metrics } : {};
}

/** Scalar guarantees of a deprecated QuotaRequest, by name; null with the problem when one is not a scalar. */
function requestAmounts(guarantee: readonly Resource[], path: string): Validation<Record<string, { value: number }>> {
  const amounts: Record<string, { value: number }> = {};
  for (const [index, resource] of guarantee.entries()) {
    if (resource.type !== 'SCALAR') return { ok: false, error: `${path}[${index}]: quota applies to scalar resources only, and '${resource.name}' is ${resource.type}` };
    if (resource.role !== undefined && resource.role !== '*') return { ok: false, error: `${path}[${index}].role: quota resources must not be reserved` };
    amounts[resource.name] = { value: (amounts[resource.name]?.value ?? 0) + (resource.scalar?.value ?? 0) };
  }
  return { ok: true, value: amounts };
}

/** A 400 of the legacy endpoints carries their own prefix rather than the Operator API's. */
function plainBadRequest(answer: OperatorAnswer, prefix: string): OperatorAnswer {
  return answer.status === 400 ? { status: 400, text: `${prefix}: ${answer.text}` } : answer;
}

function send(reply: FastifyReply, answer: OperatorAnswer): FastifyReply {
  if (answer.status === 202) return reply.code(202).send();
  if (answer.status !== 200) return sendText(reply, answer.status, answer.text);
  if ('written' in answer) return sendJsonPieces(reply.code(200), answer.written);
  if (answer.json === undefined) return reply.code(200).send();
  return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer.json));
}
