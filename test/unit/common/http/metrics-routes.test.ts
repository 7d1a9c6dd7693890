/**
 * Goal: `/metrics/snapshot` and `/metrics` answer as Mesos' endpoint (and Prometheus) expect:
 * a flat JSON object of numbers; `?timeout=` taken when it is a duration and refused with a 400
 * naming it otherwise; `?jsonp=` wrapping the object; Prometheus text with its content type. The
 * shell times its allocation runs and counts the calls it steps.
 * Method: in-process HTTP (Fastify's inject) against a real MasterShell and MasterCore wired as
 * the master's main wires them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../../src/common/clock.js';
import { registerMetricsRoutes } from '../../../../src/common/http/metrics-routes.js';
import { createHttpServer } from '../../../../src/common/http/server.js';
import { createLogger } from '../../../../src/common/log.js';
import { MasterShell } from '../../../../src/master/shell/master-shell.js';
import { masterMetricsSnapshot } from '../../../../src/master/shell/metrics.js';
import { makeCore } from '../../master/harness.js';

const logger = createLogger('test', 'silent');

function metricsServer() {
  const clock = new ManualClock(5_000);
  const shell = new MasterShell(makeCore(), clock, logger, { heartbeatIntervalMs: 15_000, allocationIntervalMs: 1000, agentPingTimeoutMs: 15_000 });
  const app = createHttpServer(logger);
  registerMetricsRoutes(app, () => masterMetricsSnapshot({ core: shell.core, shell: shell.metrics, startTimeMs: 0 }, clock.nowMs()));
  return { app, shell, clock };
}

test('GET /metrics/snapshot: a flat object of numbers, allocation runs timed by the shell', async () => {
  const { app, shell } = metricsServer();
  shell.step({ kind: 'allocate' });
  shell.step({ kind: 'allocate' });
  shell.step({ kind: 'allocate' });
  const reply = await app.inject({ method: 'GET', url: '/metrics/snapshot' });
  assert.equal(reply.statusCode, 200);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  const body = JSON.parse(reply.body) as Record<string, unknown>;
  assert.ok(Object.values(body).every((v) => typeof v === 'number'), 'numbers only');
  assert.equal(body['master/uptime_secs'], 5);
  assert.equal(body['allocator/mesos/allocation_runs'], 3);
  assert.equal(body['allocator/mesos/allocation_run_ms/count'], 3);
  assert.equal(body['allocator/mesos/allocation_run_latency_ms'], undefined, 'no deferred allocation was wanted');
});

test('?timeout= must be a duration: taken when it is one, a 400 naming it when not', async () => {
  const { app } = metricsServer();
  for (const timeout of ['5secs', '100ms', '1.5mins']) {
    const reply = await app.inject({ method: 'GET', url: `/metrics/snapshot?timeout=${timeout}` });
    assert.equal(reply.statusCode, 200, timeout);
  }
  for (const timeout of ['soon', '5', '5s', '-1secs', '']) {
    const reply = await app.inject({ method: 'GET', url: `/metrics/snapshot?timeout=${encodeURIComponent(timeout)}` });
    assert.equal(reply.statusCode, 400, `'${timeout}' is refused`);
    assert.ok(reply.body.startsWith(`Invalid timeout '${timeout}': `), reply.body);
  }
});

test('?jsonp= wraps the object in a call; a callback that is not a name is refused', async () => {
  const { app } = metricsServer();
  const reply = await app.inject({ method: 'GET', url: '/metrics/snapshot?jsonp=angular.callbacks._1' });
  assert.equal(reply.statusCode, 200);
  assert.match(String(reply.headers['content-type']), /^text\/javascript/);
  assert.match(reply.body, /^angular\.callbacks\._1\(\{.*\}\);$/s);
  const refused = await app.inject({ method: 'GET', url: `/metrics/snapshot?jsonp=${encodeURIComponent('alert(1)//')}` });
  assert.equal(refused.statusCode, 400);
});

test('GET /metrics: Prometheus text with HELP and TYPE for each family', async () => {
  const { app, shell } = metricsServer();
  shell.step({ kind: 'allocate' });
  const reply = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(reply.statusCode, 200);
  assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const lines = reply.body.trimEnd().split('\n');
  assert.ok(lines.includes('# TYPE mesos_master_cpus_total gauge'));
  assert.ok(lines.includes('# TYPE mesos_master_tasks_finished_total counter'));
  assert.ok(lines.includes('mesos_allocator_mesos_allocation_runs_total 1'));
  const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
  assert.equal(new Set(families).size, families.length, 'each family declared once');
  assert.equal(lines.filter((l) => l.startsWith('# HELP ')).length, families.length);
});
