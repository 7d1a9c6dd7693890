/**
 * One reading of a process's metrics under Mesos' names (`master/tasks_running`,
 * `allocator/mesos/allocation_run_ms/p99`): each value with its kind (a counter only grows, a
 * gauge is a reading) and a line of help, so the same snapshot answers Mesos'
 * `/metrics/snapshot` (a flat JSON object) and Prometheus' `/metrics` (see prometheus.ts).
 */
import type { WindowedTimer } from './timer.js';

export type MetricKind = 'counter' | 'gauge';

export interface MetricSample {
  /** The Mesos key, e.g. `master/cpus_total` or `allocator/mesos/roles/eng/shares/dominant`. */
  key: string;
  value: number;
  kind: MetricKind;
  /** What the metric means, independent of the role or resource the key names. */
  help: string;
}

export class MetricsSnapshot {
  private readonly samples = new Map<string, MetricSample>();

  /**
   * Adds a sample. Values that are not finite are left out: JSON has no NaN or Infinity, and a
   * Mesos snapshot holds numbers only. A key added twice keeps its first value.
   */
  add(kind: MetricKind, key: string, value: number, help: string): this {
    if (Number.isFinite(value) && !this.samples.has(key)) this.samples.set(key, { key, value, kind, help });
    return this;
  }

  gauge(key: string, value: number, help: string): this {
    return this.add('gauge', key, value, help);
  }

  counter(key: string, value: number, help: string): this {
    return this.add('counter', key, value, help);
  }

  /**
   * A timer's keys, all gauges as in Mesos: `key` is the latest measurement and, once the window
   * holds two, `key/count`, `key/min`, `key/max` and `key/p50` … `key/p9999` describe the window.
   */
  timer(key: string, timer: WindowedTimer, help: string): this {
    if (timer.latest === null) return this;
    this.gauge(key, timer.latest, `${help}: the latest`);
    const statistics = timer.statistics();
    if (!statistics) return this;
    this.gauge(`${key}/count`, statistics.count, `${help}: measurements in the window`);
    this.gauge(`${key}/min`, statistics.min, `${help}: the least in the window`);
    this.gauge(`${key}/max`, statistics.max, `${help}: the most in the window`);
    for (const [suffix, value] of statistics.percentiles) this.gauge(`${key}/${suffix}`, value, `${help}: percentiles over the window`);
    return this;
  }

  /** The samples, sorted by key. */
  list(): MetricSample[] {
    return [...this.samples.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The value of a key, if the snapshot has it. */
  value(key: string): number | undefined {
    return this.samples.get(key)?.value;
  }

  /** Mesos' `/metrics/snapshot` body: one flat object of numbers, keys sorted as Mesos sorts them. */
  toJson(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const sample of this.list()) out[sample.key] = sample.value;
    return out;
  }
}
