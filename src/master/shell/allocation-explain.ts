/**
 * "Why is my framework starving?" over HTTP: `GET /master/frameworks/<framework_id>/allocation`
 * (`?role=` for one role) answers with the allocator's explanation per role, what the master
 * knows, and a one-line summary; `GET /master/frameworks` lists frameworks as Mesos does, each
 * with the cheap `allocation` field that `/master/state` has too. Both also answer without the
 * `/master` prefix. The core computes; this file only parses the request and shapes the JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../common/clock.js';
import { sendText } from '../../common/http/mesos-http.js';
import type { FrameworkId } from '../../common/ids.js';
import type { FrameworkAllocation, RoleAllocation } from '../core/allocation-explain.js';
import type { MasterCore } from '../core/master-core.js';
import { sendJsonPieces } from '../../common/http/mesos-http.js';
import { MasterStateWriter } from './state-writer.js';

/** One role in the JSON answer, snake_case as Mesos' JSON is. */
export function roleAllocationJson(role: RoleAllocation): Record<string, unknown> {
  return {
    role: role.role,
    summary: role.summary,
    offered_last_run: role.offeredLastRun,
    subscribed: role.subscribed,
    connected: role.connected,
    active: role.active,
    suppressed: role.suppressed,
    at_quota_limit: role.atQuotaLimit,
    outstanding_offers: role.outstandingOffers,
    agents: {
      total: role.agents.total,
      fully_allocated: role.agents.fullyAllocated,
      reserved_for_other_roles: role.agents.reservedForOtherRoles,
      below_minimum: role.agents.belowMinimum,
      filtered: role.agents.filtered,
      available: role.agents.available,
    },
  };
}

export function frameworkAllocationJson(allocation: FrameworkAllocation): Record<string, unknown> {
  return { framework_id: allocation.frameworkId, name: allocation.name, roles: allocation.roles.map(roleAllocationJson) };
}

/** A query parameter given at most once: its value, undefined when absent, null when repeated. */
function singleParam(request: FastifyRequest, name: string): string | undefined | null {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? null : value;
}

function onAllocation(core: MasterCore, clock: Clock, request: FastifyRequest, reply: FastifyReply): FastifyReply | Record<string, unknown> {
  const frameworkId = (request.params as { framework_id: string }).framework_id;
  const role = singleParam(request, 'role');
  if (role === null) return sendText(reply, 400, "Invalid role: 'role' may be given only once");
  const result = core.explainAllocation(frameworkId as FrameworkId, role, clock.nowMs());
  if (!result.ok) {
    const status = result.reason === 'FRAMEWORK_UNKNOWN' || result.reason === 'FRAMEWORK_REMOVED' ? 404 : 400;
    return sendText(reply, status, result.message);
  }
  return frameworkAllocationJson(result.value);
}

async function onFrameworks(writer: MasterStateWriter, clock: Clock, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const frameworkId = singleParam(request, 'framework_id');
  if (frameworkId === null) return sendText(reply, 400, "Invalid 'framework_id': it may be given only once");
  await writer.prepare();
  return sendJsonPieces(reply, writer.frameworks(clock.nowMs(), frameworkId));
}

/**
 * Registers `/master/frameworks` and `/master/frameworks/<framework_id>/allocation`, with and
 * without the `/master` prefix; `writer` is the master's (its cached text is shared with /master/state).
 */
export function registerAllocationRoutes(app: FastifyInstance, core: MasterCore, clock: Clock, writer = new MasterStateWriter(core)): void {
  for (const prefix of ['/master', '']) {
    app.get(`${prefix}/frameworks`, async (request, reply) => onFrameworks(writer, clock, request, reply));
    app.get(`${prefix}/frameworks/:framework_id/allocation`, async (request, reply) => onAllocation(core, clock, request, reply));
  }
}
