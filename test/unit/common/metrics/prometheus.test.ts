/**
 * Goal: a metrics snapshot renders as valid Prometheus text (format 0.0.4): names sanitised from
 * the Mesos keys, counters ending in `_total`, roles and resources the keys embed turned into
 * labels, label values and help escaped, one HELP and TYPE per family, no series twice.
 * Method: small snapshots rendered and compared line by line with the text expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapeHelp, escapeLabelValue, PROMETHEUS_CONTENT_TYPE, prometheusSeries, renderPrometheus,
} from '../../../../src/common/metrics/prometheus.js';
import { MetricsSnapshot } from '../../../../src/common/metrics/snapshot.js';
import { WindowedTimer } from '../../../../src/common/metrics/timer.js';

test('plain keys: mesos_ and the key with every other character made _; counters end in _total', () => {
  assert.deepEqual(prometheusSeries('master/cpus_total', 'gauge'), { name: 'mesos_master_cpus_total', labels: [] });
  assert.deepEqual(prometheusSeries('master/tasks_finished', 'counter'), { name: 'mesos_master_tasks_finished_total', labels: [] });
  assert.deepEqual(prometheusSeries('slave/uptime_secs', 'gauge'), { name: 'mesos_slave_uptime_secs', labels: [] });
  assert.deepEqual(prometheusSeries('master/slave_removals/reason-unhealthy', 'counter'), { name: 'mesos_master_slave_removals_reason_unhealthy_total', labels: [] });
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_runs', 'counter'), { name: 'mesos_allocator_mesos_allocation_runs_total', labels: [] });
});

test('roles and resources in allocator keys become labels; a role keeps its slashes', () => {
  assert.deepEqual(prometheusSeries('allocator/mesos/roles/eng/web/shares/dominant', 'gauge'), {
    name: 'mesos_allocator_role_share_dominant', labels: [['role', 'eng/web']],
  });
  assert.deepEqual(prometheusSeries('allocator/mesos/offer_filters/roles/*/active', 'gauge'), {
    name: 'mesos_allocator_offer_filters_role_active', labels: [['role', '*']],
  });
  assert.deepEqual(prometheusSeries('allocator/mesos/quota/roles/eng/batch/resources/cpus/offered_or_allocated', 'gauge'), {
    name: 'mesos_allocator_quota_role_resource_offered_or_allocated', labels: [['role', 'eng/batch'], ['resource', 'cpus']],
  });
  assert.deepEqual(prometheusSeries('allocator/mesos/resources/mem/total', 'gauge'), {
    name: 'mesos_allocator_resource_total', labels: [['resource', 'mem']],
  });
});

test("a task's state changes by source and reason: one counter family with state, source and reason labels", () => {
  assert.deepEqual(prometheusSeries('master/task_lost/source_master/reason_slave_removed', 'counter'), {
    name: 'mesos_master_task_state_reasons_total', labels: [['state', 'lost'], ['source', 'master'], ['reason', 'slave_removed']],
  });
  assert.deepEqual(prometheusSeries('master/task_gone_by_operator/source_master/reason_slave_removed_by_operator', 'counter'), {
    name: 'mesos_master_task_state_reasons_total', labels: [['state', 'gone_by_operator'], ['source', 'master'], ['reason', 'slave_removed_by_operator']],
  });
  const text = renderPrometheus(new MetricsSnapshot()
    .counter('master/task_failed/source_slave/reason_container_launch_failed', 1, 'By reason')
    .counter('master/task_lost/source_master/reason_slave_removed', 2, 'By reason')
    .list());
  assert.equal(text, [
    '# HELP mesos_master_task_state_reasons_total By reason',
    '# TYPE mesos_master_task_state_reasons_total counter',
    'mesos_master_task_state_reasons_total{state="failed",source="slave",reason="container_launch_failed"} 1',
    'mesos_master_task_state_reasons_total{state="lost",source="master",reason="slave_removed"} 2',
    '',
  ].join('\n'));
});

test("a timer's window statistics: _window_count/_min/_max and _window_quantile{quantile}", () => {
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_run_ms', 'gauge'), { name: 'mesos_allocator_mesos_allocation_run_ms', labels: [] });
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_run_ms/count', 'gauge'), { name: 'mesos_allocator_mesos_allocation_run_ms_window_count', labels: [] });
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_run_ms/max', 'gauge'), { name: 'mesos_allocator_mesos_allocation_run_ms_window_max', labels: [] });
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_run_ms/p50', 'gauge'), {
    name: 'mesos_allocator_mesos_allocation_run_ms_window_quantile', labels: [['quantile', '0.5']],
  });
  assert.deepEqual(prometheusSeries('allocator/mesos/allocation_run_ms/p9999', 'gauge'), {
    name: 'mesos_allocator_mesos_allocation_run_ms_window_quantile', labels: [['quantile', '0.9999']],
  });
});

test('label values escape backslash, double quote and line feed; help escapes backslash and line feed', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  assert.equal(escapeHelp('one\\two\nthree "quoted"'), 'one\\\\two\\nthree "quoted"');
});

test('a rendered snapshot: families sorted, one HELP and TYPE each, labelled series together', () => {
  const snapshot = new MetricsSnapshot()
    .gauge('master/cpus_total', 8, 'cpus on registered agents')
    .counter('master/tasks_finished', 3, 'Tasks that finished')
    .gauge('allocator/mesos/roles/eng/web/shares/dominant', 0.25, "A role's dominant share")
    .gauge('allocator/mesos/roles/"odd"\\role/shares/dominant', 0.5, "A role's dominant share")
    .gauge('master/mem_percent', 0.1, 'Fraction\nof mem used');
  assert.equal(renderPrometheus(snapshot.list()), [
    "# HELP mesos_allocator_role_share_dominant A role's dominant share",
    '# TYPE mesos_allocator_role_share_dominant gauge',
    'mesos_allocator_role_share_dominant{role="\\"odd\\"\\\\role"} 0.5',
    'mesos_allocator_role_share_dominant{role="eng/web"} 0.25',
    '# HELP mesos_master_cpus_total cpus on registered agents',
    '# TYPE mesos_master_cpus_total gauge',
    'mesos_master_cpus_total 8',
    '# HELP mesos_master_mem_percent Fraction\\nof mem used',
    '# TYPE mesos_master_mem_percent gauge',
    'mesos_master_mem_percent 0.1',
    '# HELP mesos_master_tasks_finished_total Tasks that finished',
    '# TYPE mesos_master_tasks_finished_total counter',
    'mesos_master_tasks_finished_total 3',
    '',
  ].join('\n'));
});

test('a timer renders as gauges: the latest, the window statistics and the quantiles in one family', () => {
  const timer = new WindowedTimer();
  timer.record(1, 0);
  timer.record(3, 1);
  const text = renderPrometheus(new MetricsSnapshot().timer('allocator/mesos/allocation_run_ms', timer, 'Allocation run').list());
  const lines = text.trimEnd().split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('# TYPE')), [
    '# TYPE mesos_allocator_mesos_allocation_run_ms gauge',
    '# TYPE mesos_allocator_mesos_allocation_run_ms_window_count gauge',
    '# TYPE mesos_allocator_mesos_allocation_run_ms_window_max gauge',
    '# TYPE mesos_allocator_mesos_allocation_run_ms_window_min gauge',
    '# TYPE mesos_allocator_mesos_allocation_run_ms_window_quantile gauge',
  ]);
  assert.ok(lines.includes('mesos_allocator_mesos_allocation_run_ms 3'));
  assert.ok(lines.includes('mesos_allocator_mesos_allocation_run_ms_window_count 2'));
  assert.ok(lines.includes('mesos_allocator_mesos_allocation_run_ms_window_quantile{quantile="0.5"} 2'));
  assert.equal(lines.filter((l) => l.startsWith('mesos_allocator_mesos_allocation_run_ms_window_quantile{')).length, 6);
});

test('keys that sanitise alike give one series, the first by key; a kind that differs from its family is left out', () => {
  const snapshot = new MetricsSnapshot()
    .gauge('master/a-b', 1, 'first')
    .gauge('master/a_b', 2, 'second')
    .gauge('master/x_total', 5, 'a gauge')
    .counter('master/x', 6, 'a counter that would join it');
  assert.equal(renderPrometheus(snapshot.list()), [
    '# HELP mesos_master_a_b first',
    '# TYPE mesos_master_a_b gauge',
    'mesos_master_a_b 1',
    // master/x sorts before master/x_total: the counter took the family first.
    '# HELP mesos_master_x_total a counter that would join it',
    '# TYPE mesos_master_x_total counter',
    'mesos_master_x_total 6',
    '',
  ].join('\n'));
});

test('values that are not finite stay out of the snapshot; the content type is the 0.0.4 text format', () => {
  const snapshot = new MetricsSnapshot().gauge('a', NaN, 'a').gauge('b', Infinity, 'b').gauge('c', 1e-7, 'c');
  assert.deepEqual(snapshot.toJson(), { c: 1e-7 });
  assert.equal(renderPrometheus(snapshot.list()), '# HELP mesos_c c\n# TYPE mesos_c gauge\nmesos_c 1e-7\n');
  assert.equal(renderPrometheus([]), '');
  assert.match(PROMETHEUS_CONTENT_TYPE, /^text\/plain; version=0\.0\.4/);
});
