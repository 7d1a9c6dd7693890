/**
 * A timer with a history, as libprocess' `metrics::Timer` created with a window: the snapshot
 * shows the latest measurement under the timer's key and, once the window holds two or more,
 * `/count`, `/min`, `/max` and the percentiles `/p50`, `/p90`, `/p95`, `/p99`, `/p999` and
 * `/p9999` over the window (with one measurement Mesos shows only the key itself).
 *
 * The window is what Mesos' TimeSeries keeps: the measurements of the last `windowMs` (Mesos'
 * allocator timers use one hour), at most `capacity` of them (Mesos: 1000). Past the capacity,
 * every other measurement of the older half is dropped, so old measurements thin out while recent
 * ones stay dense and the window still spans its whole time. Measurements that fall out of the
 * window are dropped when a new one is recorded (always keeping the newest), as Mesos does.
 *
 * Pure: the time of each measurement is passed in.
 */
import { assert } from '../assert.js';

/** How far back the window reaches (Mesos' allocator timers: `Hours(1)`). */
export const TIMER_WINDOW_MS_DEFAULT = 60 * 60 * 1000;
/** How many measurements the window holds at most (Mesos' `TIME_SERIES_CAPACITY`). */
export const TIMER_CAPACITY_DEFAULT = 1000;

/** The statistics Mesos shows for a timer's window; suffixes of the timer's key. */
export const TIMER_PERCENTILES: ReadonlyArray<readonly [suffix: string, fraction: number]> = [
  ['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999], ['p9999', 0.9999],
];

export interface TimerStatistics {
  count: number;
  min: number;
  max: number;
  /** By suffix: `p50` … `p9999`. */
  percentiles: Array<[suffix: string, value: number]>;
}

export class WindowedTimer {
  /** Times of the measurements in the window, oldest first (never decreasing). */
  private readonly timesMs: number[] = [];
  private readonly valuesMs: number[] = [];
  private latestMs: number | null = null;
  /** Index of the next measurement thinning drops, or null to start again from the second. */
  private thinNext: number | null = null;

  constructor(readonly windowMs = TIMER_WINDOW_MS_DEFAULT, readonly capacity = TIMER_CAPACITY_DEFAULT) {
    assert(capacity >= 3, 'thinning every other measurement needs a capacity of at least 3');
    assert(windowMs > 0, 'a timer window has a length');
  }

  /** The latest measurement, or null before the first. */
  get latest(): number | null {
    return this.latestMs;
  }

  /** How many measurements the window holds now. */
  get size(): number {
    return this.valuesMs.length;
  }

  /** The measurements in the window, oldest first (a copy). */
  measurements(): number[] {
    return [...this.valuesMs];
  }

  /** Records a measurement of `valueMs` taken at `nowMs`. */
  record(valueMs: number, nowMs: number): void {
    this.latestMs = valueMs;
    // A wall clock can step back; keeping the times ordered keeps the window well defined.
    const lastMs = this.timesMs[this.timesMs.length - 1];
    this.timesMs.push(lastMs !== undefined && nowMs < lastMs ? lastMs : nowMs);
    this.valuesMs.push(valueMs);
    this.dropExpired(nowMs);
    this.thin();
  }

  /** Count, extremes and percentiles over the window; null with fewer than two measurements (as Mesos). */
  statistics(): TimerStatistics | null {
    if (this.valuesMs.length < 2) return null;
    const sorted = [...this.valuesMs].sort((a, b) => a - b);
    return {
      count: sorted.length,
      min: sorted[0] as number,
      max: sorted[sorted.length - 1] as number,
      percentiles: TIMER_PERCENTILES.map(([suffix, fraction]) => [suffix, percentile(sorted, fraction)]),
    };
  }

  /** Drops measurements older than the window, keeping at least the newest one. */
  private dropExpired(nowMs: number): void {
    const expiredMs = nowMs - this.windowMs;
    let dropped = 0;
    while (dropped < this.timesMs.length - 1 && (this.timesMs[dropped] as number) <= expiredMs) dropped++;
    if (dropped === 0) return;
    this.timesMs.splice(0, dropped);
    this.valuesMs.splice(0, dropped);
    this.thinNext = this.thinNext !== null && dropped < this.thinNext ? this.thinNext - dropped : null;
  }

  /**
   * Keeps the window within its capacity by dropping every other measurement from the oldest
   * towards the middle; past the middle it starts again from the oldest, so each pass halves the
   * density of what the previous passes left.
   */
  private thin(): void {
    while (this.valuesMs.length > this.capacity) {
      if (this.thinNext === null || this.thinNext > Math.floor(this.valuesMs.length / 2)) this.thinNext = 1;
      this.timesMs.splice(this.thinNext, 1);
      this.valuesMs.splice(this.thinNext, 1);
      this.thinNext += 1; // Skips the measurement after the dropped one.
    }
  }
}

/**
 * The `fraction` percentile of ascending `sorted` values, interpolated linearly between the two
 * nearest ranks (position `fraction * (n - 1)`), as libprocess' Statistics computes it.
 */
export function percentile(sorted: readonly number[], fraction: number): number {
  assert(sorted.length > 0, 'a percentile of no values is undefined');
  if (fraction <= 0 || sorted.length === 1) return sorted[0] as number;
  if (fraction >= 1) return sorted[sorted.length - 1] as number;
  const position = fraction * (sorted.length - 1);
  const index = Math.floor(position);
  const lower = sorted[index] as number;
  const upper = sorted[index + 1] as number;
  return lower + (position - index) * (upper - lower);
}
