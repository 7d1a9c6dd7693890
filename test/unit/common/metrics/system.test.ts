/**
 * Goal: the `system/*` gauges show the host's CPUs, load and memory under Mesos' keys, and read
 * the kernel at most every SYSTEM_READING_TTL_MS (each read costs tens of microseconds here), so
 * a snapshot taken every second reads it once in five; a clock that steps back reads anew.
 * Method: SystemGauges over a fake source that counts its reads, snapshots at chosen times; and
 * once over the real host, for sane values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsSnapshot } from '../../../../src/common/metrics/snapshot.js';
import { SYSTEM_READING_TTL_MS, SystemGauges, type SystemSource } from '../../../../src/common/metrics/system.js';

class CountingSource implements SystemSource {
  reads = 0;
  free = 1_000;
  cpus(): number {
    return 8;
  }
  memTotalBytes(): number {
    return 4_096;
  }
  memFreeBytes(): number {
    this.reads++;
    return this.free;
  }
  load(): [number, number, number] {
    return [0.5, 0.25, 0.125];
  }
}

const snapshotAt = (gauges: SystemGauges, nowMs: number) => {
  const snapshot = new MetricsSnapshot();
  gauges.addTo(snapshot, nowMs);
  return snapshot.toJson();
};

test("the host's gauges under Mesos' keys", () => {
  const s = snapshotAt(new SystemGauges(new CountingSource()), 0);
  assert.deepEqual(s, {
    'system/cpus_total': 8,
    'system/load_15min': 0.125,
    'system/load_1min': 0.5,
    'system/load_5min': 0.25,
    'system/mem_free_bytes': 1_000,
    'system/mem_total_bytes': 4_096,
  });
});

test('a reading is kept for SYSTEM_READING_TTL_MS, then read again; a clock stepping back reads again', () => {
  const source = new CountingSource();
  const gauges = new SystemGauges(source);
  for (let second = 0; second < 10; second++) snapshotAt(gauges, 1_000_000 + second * 1_000);
  assert.equal(source.reads, 2, 'ten snapshots a second apart read the kernel twice (at 0 s and 5 s)');
  source.free = 2_000;
  assert.equal(snapshotAt(gauges, 1_000_000 + 9_999)['system/mem_free_bytes'], 1_000, 'still the reading of 5 s');
  assert.equal(snapshotAt(gauges, 1_000_000 + 5_000 + SYSTEM_READING_TTL_MS)['system/mem_free_bytes'], 2_000, 'read anew');
  assert.equal(snapshotAt(gauges, 0)['system/mem_free_bytes'], 2_000);
  assert.equal(source.reads, 4, 'the step back read again');
});

test('the real host: at least one CPU, free memory below the total, load averages not negative', () => {
  const s = snapshotAt(new SystemGauges(), Date.now());
  assert.ok((s['system/cpus_total'] ?? 0) >= 1);
  assert.ok((s['system/mem_total_bytes'] ?? 0) > 0);
  assert.ok((s['system/mem_free_bytes'] ?? -1) >= 0 && (s['system/mem_free_bytes'] ?? Infinity) <= (s['system/mem_total_bytes'] ?? 0));
  for (const key of ['system/load_1min', 'system/load_5min', 'system/load_15min']) assert.ok((s[key] ?? -1) >= 0, key);
});
