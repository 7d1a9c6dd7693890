/**
 * The metrics endpoints every Meridian process serves:
 *
 * - `GET /metrics/snapshot`: Mesos' flat JSON object of numbers. As in Mesos, `?timeout=` is a
 *   duration (`5secs`, `500ms`) and anything else is a 400 naming it; since every metric here is
 *   read synchronously, none can be late and the value changes nothing. `?jsonp=<callback>` wraps
 *   the object in a call, as Mesos does (`text/javascript`).
 * - `GET /metrics`: the same snapshot as Prometheus text (see common/metrics/prometheus.ts).
 */
import type { FastifyInstance } from 'fastify';
import { parseDurationMs } from '../flags.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../metrics/prometheus.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import { sendText } from './mesos-http.js';

/** A JSONP callback: a JavaScript name path, so the answer cannot carry script of the caller's choosing. */
const JSONP_CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export function registerMetricsRoutes(app: FastifyInstance, snapshot: () => MetricsSnapshot): void {
  app.get('/metrics/snapshot', async (request, reply) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const timeout = query.timeout;
    if (timeout !== undefined) {
      const text = Array.isArray(timeout) ? timeout.join(',') : timeout;
      try {
        parseDurationMs(text);
      } catch (error) {
        return sendText(reply, 400, `Invalid timeout '${text}': ${(error as Error).message}.\n`);
      }
    }
    const jsonp = query.jsonp;
    if (jsonp !== undefined && (Array.isArray(jsonp) || !JSONP_CALLBACK.test(jsonp))) {
      return sendText(reply, 400, `Invalid jsonp callback '${String(jsonp)}': expected a JavaScript name.\n`);
    }
    const body = JSON.stringify(snapshot().toJson());
    if (jsonp !== undefined) return reply.code(200).header('content-type', 'text/javascript').send(`${jsonp}(${body});`);
    return reply.code(200).header('content-type', 'application/json').send(body);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.code(200).header('content-type', PROMETHEUS_CONTENT_TYPE).send(renderPrometheus(snapshot().list())));
}
