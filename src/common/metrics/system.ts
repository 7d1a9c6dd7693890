/**
 * Mesos' `system/*` gauges, which masters and agents both show: the host's CPUs, load averages
 * and memory.
 *
 * Each reading is a /proc file, and on this kind of machine one costs 50 to 80 µs, about a third
 * of a whole master snapshot; so readings are kept for SYSTEM_READING_TTL_MS and a snapshot
 * taken every second (the web UI's) pays for them once in five. The kernel recomputes load
 * averages only every 5 seconds anyway. The memory total and the CPUs this process may use are
 * read once.
 */
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { MetricsSnapshot } from './snapshot.js';

/** How long a reading of load and free memory is shown before it is read again. */
export const SYSTEM_READING_TTL_MS = 5_000;

/** Where the readings come from: the kernel, through node:os (tests pass their own). */
export interface SystemSource {
  cpus(): number;
  memTotalBytes(): number;
  memFreeBytes(): number;
  load(): [number, number, number];
}

/** The host, as node:os reads it (free memory is the kernel's MemAvailable). */
export const HOST_SYSTEM: SystemSource = {
  cpus: () => availableParallelism(),
  memTotalBytes: () => totalmem(),
  memFreeBytes: () => freemem(),
  load: () => loadavg() as [number, number, number],
};

interface Reading {
  atMs: number;
  load: [number, number, number];
  memFreeBytes: number;
}

/** The host's gauges, read at most every SYSTEM_READING_TTL_MS. */
export class SystemGauges {
  private readonly cpusTotal: number;
  private readonly memTotalBytes: number;
  private reading: Reading | null = null;

  constructor(private readonly source: SystemSource = HOST_SYSTEM) {
    this.cpusTotal = source.cpus();
    this.memTotalBytes = source.memTotalBytes();
  }

  /** Adds `system/cpus_total`, `system/load_{1,5,15}min` and `system/mem_{total,free}_bytes` as of `nowMs`. */
  addTo(snapshot: MetricsSnapshot, nowMs: number): void {
    const reading = this.current(nowMs);
    snapshot.gauge('system/cpus_total', this.cpusTotal, 'CPUs this process may run on');
    snapshot.gauge('system/load_1min', reading.load[0], 'Load average of the host over the last minute');
    snapshot.gauge('system/load_5min', reading.load[1], 'Load average of the host over the last 5 minutes');
    snapshot.gauge('system/load_15min', reading.load[2], 'Load average of the host over the last 15 minutes');
    snapshot.gauge('system/mem_total_bytes', this.memTotalBytes, 'Memory of the host in bytes');
    snapshot.gauge('system/mem_free_bytes', reading.memFreeBytes, 'Memory of the host available to new processes in bytes');
  }

  private current(nowMs: number): Reading {
    const last = this.reading;
    // A clock stepping back reads anew rather than keeping a reading for ever.
    if (last && nowMs >= last.atMs && nowMs - last.atMs < SYSTEM_READING_TTL_MS) return last;
    this.reading = { atMs: nowMs, load: this.source.load(), memFreeBytes: this.source.memFreeBytes() };
    return this.reading;
  }
}
