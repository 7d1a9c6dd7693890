/**
 * `GET /agent/<agent_id>/<endpoint>`: a few read-only agent endpoints (`/state`, `/files/browse`,
 * `/files/read`, `/files/download`) reached through the master, as DC/OS' admin router offers
 * them. The web UI is served by the master, so this keeps its requests on one origin (no
 * cross-origin rules to open on agents, one port to forward through a firewall). Only the listed
 * endpoints of registered agents are reachable: the master is not a general proxy. The agent
 * applies its own checks (sandbox confinement, parameters); its answer is passed back as it is.
 */
import http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../common/http/client.js';
import { sendText } from '../../common/http/mesos-http.js';
import type { AgentId } from '../../common/ids.js';
import type { MasterCore } from '../core/master-core.js';

/** Agent endpoints the master passes requests to; everything else under /agent/ is a 404. */
export const PROXIED_AGENT_ENDPOINTS: readonly string[] = ['state', 'state.json', 'files/browse', 'files/browse.json', 'files/read', 'files/read.json', 'files/download', 'files/download.json'];

/** An agent that has not answered within this long is reported as not answering (502). */
export const AGENT_PROXY_TIMEOUT_MS = 15_000;

/** Answer headers passed back to the browser; hop-by-hop and the agent's own others are dropped. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'last-modified'];

/** Where a registered agent listens; null for an agent the master does not know. */
export type AgentAddressLookup = (agentId: string) => Endpoint | null;

/** The address the master reaches a registered agent at, as `/master/state` reports it in the agent's `pid`. */
export function registeredAgentAddress(core: MasterCore): AgentAddressLookup {
  return (agentId) => {
    const agent = core.agents.get(agentId as AgentId);
    return agent ? { host: agent.remoteIp, port: agent.info.port ?? 5051 } : null;
  };
}

function forward(reply: FastifyReply, agentId: string, target: Endpoint, path: string): Promise<FastifyReply> {
  return new Promise((resolve) => {
    const outgoing = http.request({ host: target.host, port: target.port, method: 'GET', path, headers: { accept: 'application/json' }, timeout: AGENT_PROXY_TIMEOUT_MS }, (answer) => {
      const headers: Record<string, string> = { 'cache-control': 'no-store' };
      for (const name of PASSED_HEADERS) {
        const value = answer.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      resolve(reply.code(answer.statusCode ?? 502).headers(headers).send(answer));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${AGENT_PROXY_TIMEOUT_MS} ms`)));
    outgoing.on('error', (error) => {
      if (!reply.sent) resolve(sendText(reply, 502, `Agent ${agentId} at ${target.host}:${target.port} did not answer: ${error.message}`));
    });
    outgoing.end();
  });
}

async function onProxy(lookup: AgentAddressLookup, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { agent_id: agentId, '*': endpoint } = request.params as { agent_id: string; '*': string };
  if (!PROXIED_AGENT_ENDPOINTS.includes(endpoint)) {
    return sendText(reply, 404, `'/${endpoint}' is not an agent endpoint the master passes on (one of: ${PROXIED_AGENT_ENDPOINTS.map((e) => `/${e}`).join(', ')})`);
  }
  const target = lookup(agentId);
  if (target === null) return sendText(reply, 404, `Agent ${agentId} is not registered with this master`);
  const queryAt = request.url.indexOf('?');
  const query = queryAt >= 0 ? request.url.slice(queryAt) : '';
  return forward(reply, agentId, target, `/${endpoint}${query}`);
}

export function registerAgentProxyRoutes(app: FastifyInstance, lookup: AgentAddressLookup): void {
  app.get('/agent/:agent_id/*', (request, reply) => onProxy(lookup, request, reply));
}
