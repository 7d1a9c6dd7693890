/**
 * What an agent offers when `--resources` does not say: all cpus, memory less what the OS needs,
 * the free disk of the work dir less a reserve, and ports 31000-32000 — the defaults Mesos uses.
 * `--resources` overrides per resource name; names it does not give are still detected.
 */
import { cpus, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import type { Resource } from '../api/mesos.js';
import { parseResourcesText } from '../common/resources/parse.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Memory Mesos leaves to the OS: 1 GiB, or half of it on machines with less than 2 GiB. */
export function defaultMemoryMb(totalBytes: number): number {
  const reserve = totalBytes >= 2 * GiB ? GiB : totalBytes / 2;
  return Math.floor((totalBytes - reserve) / MiB);
}

/** Disk Mesos leaves free: 5 GiB, or half of the disk when it is smaller than 10 GiB. */
export function defaultDiskMb(availableBytes: number): number {
  const reserve = availableBytes >= 10 * GiB ? 5 * GiB : availableBytes / 2;
  return Math.floor((availableBytes - reserve) / MiB);
}

function detectDiskBytes(workDir: string): number {
  try {
    const stats = statfsSync(workDir);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return 0;
  }
}

export function detectResources(workDir: string, override: string | undefined): Resource[] {
  const given = override !== undefined && override.trim() !== '' ? parseResourcesText(override) : [];
  const named = new Set(given.map((r) => r.name));
  const detected: Resource[] = [];
  const scalar = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value } });
  if (!named.has('cpus')) detected.push(scalar('cpus', cpus().length));
  if (!named.has('mem')) detected.push(scalar('mem', defaultMemoryMb(totalmem())));
  if (!named.has('disk')) detected.push(scalar('disk', defaultDiskMb(detectDiskBytes(workDir))));
  if (!named.has('ports')) detected.push({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } });
  return [...detected, ...given];
}
