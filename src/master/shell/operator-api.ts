/**
 * The master's Operator API (`POST /api/v1`, master.proto) and the legacy `/weights` endpoint.
 * Each implemented call type has one handler in `OperatorApi.handlers`; a known type without one
 * answers 501, so adding a call (GET_STATE, ...) is adding its handler. Handlers read the core
 * through its accessors and change it only through `MasterShell.step`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  getWeightsResponse, validateMasterCall, validateWeightInfoArray, type MasterCall, type MasterCallType, type ReserveResources,
  type UnreserveResources, type WeightInfo,
} from '../../api/operator/calls.js';
import { parseAndValidate } from '../../api/schema.js';
import { acceptsJson, readCall, sendText } from '../../common/http/mesos-http.js';
import type { AgentId } from '../../common/ids.js';
import type { Logger } from '../../common/log.js';
import type { MasterInput } from '../core/types.js';
import { checkWeightInfos, mergeWeights } from '../core/weights.js';
import type { MasterShell } from './master-shell.js';
import type { WeightsStore } from './weights-store.js';

/** What a handler answers: 200 with an optional JSON body, 202 (applied, no body), or a status with a plain-text reason. */
export type OperatorAnswer = { status: 200; json?: unknown } | { status: 202 } | { status: 400 | 409 | 500 | 501 | 503; text: string };

type OperatorHandlers = {
  [T in MasterCallType]?: (call: MasterCall & { type: T }) => OperatorAnswer | Promise<OperatorAnswer>;
};

export class OperatorApi {
  /** Weight updates run one at a time, so each saves the weights of the one before it plus its own. */
  private weightsQueue: Promise<unknown> = Promise.resolve();

  private readonly handlers: OperatorHandlers = {
    GET_WEIGHTS: () => ({ status: 200, json: getWeightsResponse(this.shell.core.weightInfos()) }),
    UPDATE_WEIGHTS: (call) => this.updateWeights(call.update_weights?.weight_infos ?? [], 'update_weights.weight_infos'),
    RESERVE_RESOURCES: (call) => {
      const body = call.reserve_resources as ReserveResources;
      return this.reservation({ kind: 'reserve-resources', agentId: body.agent_id.value as AgentId, source: body.source ?? [], resources: body.resources });
    },
    UNRESERVE_RESOURCES: (call) => {
      const body = call.unreserve_resources as UnreserveResources;
      return this.reservation({ kind: 'unreserve-resources', agentId: body.agent_id.value as AgentId, resources: body.resources });
    },
  };

  /**
   * `store` is null when the master has no `--work_dir`: weights are then kept in memory only and
   * a restarted master starts without them.
   */
  constructor(
    private readonly shell: MasterShell,
    private readonly store: WeightsStore | null,
    private readonly logger: Logger,
  ) {}

  registerRoutes(app: FastifyInstance): void {
    for (const path of ['/api/v1', '/api/v1/']) app.all(path, (request, reply) => this.onCall(request, reply));
    for (const path of ['/weights', '/master/weights']) app.all(path, (request, reply) => this.onWeights(request, reply));
  }

  private async onCall(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const call = readCall(request, reply, validateMasterCall);
    if (!call) return reply;
    // Mesos checks Accept after the call validates; every answer here is JSON (or empty).
    if (!acceptsJson(request)) return sendText(reply, 406, "Expecting 'Accept' to allow 'application/json'");
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
    const run = this.weightsQueue.then(async (): Promise<OperatorAnswer> => {
      if (this.store) {
        try {
          await this.store.save(mergeWeights(this.shell.core.weightInfos(), update));
        } catch (error) {
          this.logger.error({ err: error, file: this.store.path }, 'Failed to save weights');
          return { status: 503, text: `Failed to save the weights to ${this.store.path}: ${(error as Error).message}; nothing was changed` };
        }
      }
      this.shell.step({ kind: 'update-weights', weights: update });
      return { status: 200 };
    });
    this.weightsQueue = run.catch(() => undefined);
    return run;
  }
}

function send(reply: FastifyReply, answer: OperatorAnswer): FastifyReply {
  if (answer.status === 202) return reply.code(202).send();
  if (answer.status !== 200) return sendText(reply, answer.status, answer.text);
  if (answer.json === undefined) return reply.code(200).send();
  return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer.json));
}
