/**
 * Goal: the windowed timer shows what Mesos' `metrics::Timer` with a window shows: the latest
 * measurement, and over the window (two or more measurements) count, min, max and percentiles
 * interpolated as libprocess' Statistics does; the window drops what is older than its length and
 * thins its older half past its capacity, as Mesos' TimeSeries does.
 * Method: measurements recorded at chosen times, compared with numbers worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsSnapshot } from '../../../../src/common/metrics/snapshot.js';
import { percentile, WindowedTimer } from '../../../../src/common/metrics/timer.js';

const close = (actual: number | undefined, expected: number, what: string) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

test('percentiles interpolate linearly between the nearest ranks', () => {
  // Position p * (n - 1): for 1..5, p50 is rank 2 exactly (3); p90 is 3.6, between 4 and 5.
  close(percentile([1, 2, 3, 4, 5], 0.5), 3, 'p50');
  close(percentile([1, 2, 3, 4, 5], 0.9), 4.6, 'p90');
  close(percentile([10, 20], 0.99), 19.9, 'p99 of two');
  close(percentile([10, 20], 0), 10, 'p0');
  close(percentile([10, 20], 1), 20, 'p100');
  close(percentile([7], 0.5), 7, 'one value');
});

test('one measurement shows only the latest; two or more show the window', () => {
  const timer = new WindowedTimer();
  assert.equal(timer.latest, null);
  assert.deepEqual(new MetricsSnapshot().timer('x_ms', timer, 'X').toJson(), {}, 'nothing measured, nothing shown');
  timer.record(4, 1_000);
  assert.equal(timer.statistics(), null);
  assert.deepEqual(new MetricsSnapshot().timer('x_ms', timer, 'X').toJson(), { x_ms: 4 });
  timer.record(2, 1_001);
  const shown = new MetricsSnapshot().timer('x_ms', timer, 'X').toJson();
  assert.deepEqual(Object.keys(shown).sort(), [
    'x_ms', 'x_ms/count', 'x_ms/max', 'x_ms/min', 'x_ms/p50', 'x_ms/p90', 'x_ms/p95', 'x_ms/p99', 'x_ms/p999', 'x_ms/p9999',
  ]);
  assert.equal(shown.x_ms, 2, 'the latest, not the largest');
  assert.equal(shown['x_ms/count'], 2);
  assert.equal(shown['x_ms/min'], 2);
  assert.equal(shown['x_ms/max'], 4);
  close(shown['x_ms/p50'], 3, 'p50 of 2 and 4');
  close(shown['x_ms/p9999'], 3.9998, 'p9999 of 2 and 4');
});

test('statistics over 1..100 recorded out of order', () => {
  const timer = new WindowedTimer();
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  values.forEach((value, i) => timer.record(value, i));
  const statistics = timer.statistics();
  assert.ok(statistics);
  assert.equal(statistics.count, 100);
  assert.equal(statistics.min, 1);
  assert.equal(statistics.max, 100);
  const byName = Object.fromEntries(statistics.percentiles);
  close(byName.p50, 50.5, 'p50 (position 49.5)');
  close(byName.p90, 90.1, 'p90 (position 89.1)');
  close(byName.p95, 95.05, 'p95 (position 94.05)');
  close(byName.p99, 99.01, 'p99 (position 98.01)');
  close(byName.p999, 99.901, 'p999 (position 98.901)');
});

test('measurements older than the window go when a new one comes; the newest always stays', () => {
  const timer = new WindowedTimer(1_000, 1000);
  timer.record(1, 0);
  timer.record(2, 500);
  timer.record(3, 1_000); // 0 is exactly a window old: gone.
  assert.deepEqual(timer.measurements(), [2, 3]);
  timer.record(4, 2_400); // 500 and 1_000 are older than 1_400.
  assert.deepEqual(timer.measurements(), [4]);
  assert.equal(timer.statistics(), null, 'one measurement left');
  assert.equal(timer.latest, 4);
});

test('past its capacity the window thins its older half, every other measurement (Mesos TimeSeries)', () => {
  const timer = new WindowedTimer(1_000_000, 7);
  for (let i = 0; i < 7; i++) timer.record(i, i);
  assert.deepEqual(timer.measurements(), [0, 1, 2, 3, 4, 5, 6]);
  timer.record(7, 7);
  assert.deepEqual(timer.measurements(), [0, 2, 3, 4, 5, 6, 7], '1 goes, 3 is next');
  timer.record(8, 8);
  assert.deepEqual(timer.measurements(), [0, 2, 4, 5, 6, 7, 8], '3 goes, 5 is next');
  timer.record(9, 9);
  assert.deepEqual(timer.measurements(), [0, 2, 4, 6, 7, 8, 9], '5 goes, 7 is next');
  timer.record(10, 10);
  assert.deepEqual(timer.measurements(), [0, 2, 4, 6, 8, 9, 10], '7 goes: the next one (index 5) is past the middle');
  timer.record(11, 11);
  assert.deepEqual(timer.measurements(), [0, 4, 6, 8, 9, 10, 11], 'a second pass from the oldest halves what the first left');
});

test('a window of the default capacity never holds more than 1000 measurements yet keeps the oldest', () => {
  const timer = new WindowedTimer();
  for (let i = 0; i < 5_000; i++) timer.record(i, i);
  assert.equal(timer.size, 1000);
  assert.equal(timer.measurements()[0], 0, 'thinning never drops the oldest');
  assert.equal(timer.measurements().at(-1), 4_999);
  assert.equal(timer.statistics()?.count, 1000);
});

test('a wall clock that steps back keeps the window ordered', () => {
  const timer = new WindowedTimer(1_000, 1000);
  timer.record(1, 5_000);
  timer.record(2, 4_000); // Taken as at 5_000.
  timer.record(3, 5_500);
  assert.deepEqual(timer.measurements(), [1, 2, 3]);
  timer.record(4, 6_001); // 5_000 is now more than a window old: both measurements taken then go.
  assert.deepEqual(timer.measurements(), [3, 4]);
});
