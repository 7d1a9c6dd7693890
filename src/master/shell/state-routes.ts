/**
 * The master's legacy (v0) read-only endpoints, each under `/master/` and at the root as Mesos
 * serves them: `state` (and `state.json`), `state-summary`, `slaves` (`?slave_id=`), `tasks`
 * (and `tasks.json`; `limit`, `offset`, `order`, `framework_id`, `task_id`), `roles` (and
 * `roles.json`), `flags`, `redirect` and `/master/health`. `/master/frameworks` is registered
 * with the allocation explanation (allocation-explain.ts). Bad query parameters get a 400 naming
 * the parameter; the large answers are written from MasterStateWriter's cached text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../common/clock.js';
import { sendJsonPieces, sendText } from '../../common/http/mesos-http.js';
import type { MasterCore } from '../core/master-core.js';
import {
  masterRolesJson, parseTasksQuery, singleParam, type MasterIdentity, type QueryParams,
} from './state-json.js';
import type { MasterStateWriter } from './state-writer.js';

export interface StateRoutesContext {
  core: MasterCore;
  writer: MasterStateWriter;
  clock: Clock;
  /** Read on each request: the port is known only once the server listens. */
  identity: MasterIdentity;
  /** Where this master is reached, for `/redirect`. */
  address: () => { hostname: string; port: number };
}

const query = (request: FastifyRequest): QueryParams => request.query as QueryParams;

export function registerStateRoutes(app: FastifyInstance, context: StateRoutesContext): void {
  const { core, writer, clock } = context;
  for (const prefix of ['/master', '']) {
    for (const path of ['state', 'state.json']) {
      app.get(`${prefix}/${path}`, async (_request, reply) => {
        await writer.prepare();
        return sendJsonPieces(reply, writer.state(context.identity, clock.nowMs()));
      });
    }
    app.get(`${prefix}/state-summary`, async (_request, reply) => {
      await writer.prepare();
      return sendJsonPieces(reply, writer.stateSummary(context.identity));
    });
    app.get(`${prefix}/slaves`, async (request, reply) => {
      const agentId = singleParam(query(request), 'slave_id');
      if (!agentId.ok) return sendText(reply, 400, agentId.error);
      await writer.prepare();
      return sendJsonPieces(reply, writer.slaves(agentId.value));
    });
    for (const path of ['tasks', 'tasks.json']) {
      app.get(`${prefix}/${path}`, async (request, reply) => {
        const parsed = parseTasksQuery(query(request));
        if (!parsed.ok) return sendText(reply, 400, parsed.error);
        return sendJsonPieces(reply, writer.tasksPage(parsed.value));
      });
    }
    for (const path of ['roles', 'roles.json']) app.get(`${prefix}/${path}`, async () => masterRolesJson(core));
    app.get(`${prefix}/flags`, async () => ({ flags: context.identity.flags }));
    // One master leads here (no election yet), so the leader is this master.
    app.get(`${prefix}/redirect`, async (_request, reply) => {
      const { hostname, port } = context.address();
      return reply.redirect(`//${hostname}:${port}`, 307);
    });
  }
  app.get('/master/health', async (_request, reply) => reply.code(200).send());
}
