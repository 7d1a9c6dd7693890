/**
 * A metrics snapshot in the Prometheus text exposition format (version 0.0.4): one family per
 * metric name with its `# HELP` and `# TYPE` lines, then its samples.
 *
 * Names come from the Mesos keys: `mesos_` and the key with every character outside
 * `[a-zA-Z0-9_]` turned into `_` (`master/cpus_total` → `mesos_master_cpus_total`), and counters
 * end in `_total` as Prometheus names them (`master/tasks_finished` →
 * `mesos_master_tasks_finished_total`). Where a Mesos key embeds a role or a resource name, that
 * part becomes a label, so one family holds every role:
 *
 * | Mesos key | Prometheus series |
 * |---|---|
 * | `allocator/mesos/roles/<role>/shares/dominant` | `mesos_allocator_role_share_dominant{role}` |
 * | `allocator/mesos/offer_filters/roles/<role>/active` | `mesos_allocator_offer_filters_role_active{role}` |
 * | `allocator/mesos/quota/roles/<role>/resources/<r>/<what>` | `mesos_allocator_quota_role_resource_<what>{role,resource}` |
 * | `allocator/mesos/resources/<r>/<what>` | `mesos_allocator_resource_<what>{resource}` |
 * | `master/task_<state>/source_<s>/reason_<r>` | `mesos_master_task_state_reasons_total{state,source,reason}` |
 * | `<timer>_ms/count`, `/min`, `/max` | `mesos_<timer>_ms_window_count`, `_window_min`, `_window_max` |
 * | `<timer>_ms/p99` (and the other percentiles) | `mesos_<timer>_ms_window_quantile{quantile="0.99"}` |
 *
 * A timer's window statistics are gauges, not a Prometheus summary: Mesos keeps no sum, and its
 * count is of the window, not cumulative.
 */
import type { MetricKind, MetricSample } from './snapshot.js';

/** The `Content-Type` of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface PrometheusSeries {
  /** The family's name. */
  name: string;
  /** Label names and values, in the order they are written. */
  labels: Array<[name: string, value: string]>;
}

interface NamingRule {
  pattern: RegExp;
  series: (match: RegExpExecArray) => PrometheusSeries;
}

/** Keys whose parts are labels; tried in order, the first match wins. */
const NAMING_RULES: readonly NamingRule[] = [
  {
    pattern: /^master\/task_([a-z_]+)\/source_([a-z_]+)\/reason_([a-z_]+)$/,
    series: (m) => ({
      name: 'mesos_master_task_state_reasons',
      labels: [['state', m[1] as string], ['source', m[2] as string], ['reason', m[3] as string]],
    }),
  },
  {
    pattern: /^allocator\/mesos\/roles\/(.+)\/shares\/dominant$/,
    series: (m) => ({ name: 'mesos_allocator_role_share_dominant', labels: [['role', m[1] as string]] }),
  },
  {
    pattern: /^allocator\/mesos\/offer_filters\/roles\/(.+)\/active$/,
    series: (m) => ({ name: 'mesos_allocator_offer_filters_role_active', labels: [['role', m[1] as string]] }),
  },
  {
    pattern: /^allocator\/mesos\/quota\/roles\/(.+)\/resources\/([^/]+)\/([^/]+)$/,
    series: (m) => ({
      name: `mesos_allocator_quota_role_resource_${sanitize(m[3] as string)}`,
      labels: [['role', m[1] as string], ['resource', m[2] as string]],
    }),
  },
  {
    pattern: /^allocator\/mesos\/roles\/(.+)\/resources\/([^/]+)\/([^/]+)$/,
    series: (m) => ({
      name: `mesos_allocator_role_resource_${sanitize(m[3] as string)}`,
      labels: [['role', m[1] as string], ['resource', m[2] as string]],
    }),
  },
  {
    pattern: /^allocator\/mesos\/resources\/([^/]+)\/([^/]+)$/,
    series: (m) => ({ name: `mesos_allocator_resource_${sanitize(m[2] as string)}`, labels: [['resource', m[1] as string]] }),
  },
  {
    pattern: /^(.+_ms)\/(count|min|max)$/,
    series: (m) => ({ name: `${baseName(m[1] as string)}_window_${m[2] as string}`, labels: [] }),
  },
  {
    pattern: /^(.+_ms)\/p(\d+)$/,
    series: (m) => ({ name: `${baseName(m[1] as string)}_window_quantile`, labels: [['quantile', String(Number(`0.${m[2] as string}`))]] }),
  },
];

/** Every character a metric name may not hold becomes `_`. */
function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, '_');
}

function baseName(key: string): string {
  return `mesos_${sanitize(key)}`;
}

/** The Prometheus name and labels of a Mesos key. */
export function prometheusSeries(key: string, kind: MetricKind): PrometheusSeries {
  let series: PrometheusSeries | null = null;
  for (const rule of NAMING_RULES) {
    const match = rule.pattern.exec(key);
    if (match) {
      series = rule.series(match);
      break;
    }
  }
  series ??= { name: baseName(key), labels: [] };
  if (kind === 'counter' && !series.name.endsWith('_total')) series.name += '_total';
  return series;
}

/** A label value as the text format writes it between quotes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A `# HELP` text: backslashes and line feeds escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

interface Family {
  kind: MetricKind;
  help: string;
  lines: string[];
  seen: Set<string>;
}

/**
 * Renders samples as Prometheus text, families sorted by name. A sample whose series another
 * sample already took (two keys that sanitise alike), or whose kind differs from its family's,
 * is left out: a scrape with a duplicate series or a mixed family is refused whole.
 */
export function renderPrometheus(samples: readonly MetricSample[]): string {
  const families = new Map<string, Family>();
  for (const sample of samples) {
    const series = prometheusSeries(sample.key, sample.kind);
    let family = families.get(series.name);
    if (!family) {
      family = { kind: sample.kind, help: sample.help, lines: [], seen: new Set() };
      families.set(series.name, family);
    }
    if (family.kind !== sample.kind) continue;
    const labels = series.labels.length === 0 ? '' : `{${series.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
    if (family.seen.has(labels)) continue;
    family.seen.add(labels);
    family.lines.push(`${series.name}${labels} ${formatValue(sample.value)}`);
  }
  const out: string[] = [];
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name) as Family;
    out.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.kind}`, ...family.lines);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
