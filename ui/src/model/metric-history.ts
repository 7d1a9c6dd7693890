/**
 * The overview's charts: the cluster's total, used, offered and idle resources over time, read
 * from the master's `/metrics/snapshot` (a few hundred numbers, not the cluster state) every few
 * seconds while the page is open, and drawn as SVG paths computed here.
 */

/** Resources the overview charts, as the master names them in its metrics. */
export const CHARTED_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;
export type ChartedResource = (typeof CHARTED_RESOURCES)[number];

/** Samples kept per page: at one every few seconds, a quarter of an hour. */
export const SAMPLES_MAX = 300;

export interface ResourceSample {
  total: number;
  used: number;
  /** Offered to frameworks and not yet used; 0 when the master does not report offers. */
  offered: number;
  /** Neither used nor offered. */
  idle: number;
}

export interface MetricSample {
  atMs: number;
  resources: Record<ChartedResource, ResourceSample>;
}

/** One sample from a `/metrics/snapshot` body; keys that are missing count as 0. */
export function sampleFromSnapshot(snapshot: Readonly<Record<string, unknown>>, atMs: number): MetricSample {
  const read = (key: string): number => {
    const value = snapshot[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  const resources = {} as Record<ChartedResource, ResourceSample>;
  for (const name of CHARTED_RESOURCES) {
    const total = read(`master/${name}_total`);
    const used = read(`master/${name}_used`);
    // The allocator counts offered and allocated together; what is not used of it is on offer.
    const offeredOrAllocated = Math.max(used, read(`allocator/mesos/resources/${name}/offered_or_allocated`));
    resources[name] = { total, used, offered: offeredOrAllocated - used, idle: Math.max(0, total - offeredOrAllocated) };
  }
  return { atMs, resources };
}

/** Appends a sample, dropping the oldest beyond SAMPLES_MAX; returns a new array for React. */
export function appendSample(samples: readonly MetricSample[], sample: MetricSample, max = SAMPLES_MAX): MetricSample[] {
  const next = samples.length >= max ? samples.slice(samples.length - max + 1) : samples.slice();
  next.push(sample);
  return next;
}

export type SeriesName = keyof ResourceSample;

export interface ChartPaths {
  /** SVG path data per series, in a box of the given size with y growing downwards. */
  paths: Record<SeriesName, string>;
  /** The value at the top of the box. */
  maxValue: number;
}

const SERIES: readonly SeriesName[] = ['total', 'used', 'offered', 'idle'];

/** Line paths of one resource's four series over the samples' time span. */
export function chartPaths(samples: readonly MetricSample[], resource: ChartedResource, widthPx: number, heightPx: number): ChartPaths {
  const paths = { total: '', used: '', offered: '', idle: '' };
  if (samples.length === 0) return { paths, maxValue: 0 };
  let maxValue = 0;
  for (const sample of samples) for (const series of SERIES) maxValue = Math.max(maxValue, sample.resources[resource][series]);
  const first = (samples[0] as MetricSample).atMs;
  const span = Math.max(1, (samples[samples.length - 1] as MetricSample).atMs - first);
  const scale = maxValue > 0 ? heightPx / maxValue : 0;
  for (const series of SERIES) {
    paths[series] = samples
      .map((sample, index) => {
        // A single sample is drawn as a flat line across the box.
        const x = samples.length === 1 ? (index === 0 ? 0 : widthPx) : ((sample.atMs - first) / span) * widthPx;
        const y = heightPx - sample.resources[resource][series] * scale;
        return `${index === 0 ? 'M' : 'L'}${round(x)},${round(y)}`;
      })
      .join(' ');
    if (samples.length === 1) paths[series] += ` L${widthPx},${round(heightPx - (samples[0] as MetricSample).resources[resource][series] * scale)}`;
  }
  return { paths, maxValue };
}

const round = (value: number): number => Math.round(value * 10) / 10;
