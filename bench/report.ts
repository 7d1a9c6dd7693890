/**
 * How every benchmark reports: a table on stdout and `bench/results/<name>.json` in the shape
 * `{"benchmark", "machine", "results": [{"scenario", "metric", "unit", "median", "p99"?, "params"}]}`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  scenario: string;
  metric: string;
  unit: string;
  median: number;
  p99?: number;
  target?: string;
  params: Record<string, unknown>;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function machine(): Record<string, unknown> {
  const cores = cpus();
  return {
    cpu: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
  };
}

const round = (value: number) => (Number.isFinite(value) ? Math.round(value * 100) / 100 : value);

export function report(name: string, results: BenchResult[]): string {
  const rows = results.map((r) => [r.scenario, r.metric, String(round(r.median)), r.p99 !== undefined ? String(round(r.p99)) : '', r.unit, r.target ?? '']);
  const header = ['scenario', 'metric', 'median', 'p99', 'unit', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ');
  process.stdout.write(`\n${name}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ benchmark: name, machine: machine(), results: results.map((r) => ({ ...r, median: round(r.median), ...(r.p99 !== undefined ? { p99: round(r.p99) } : {}) })) }, null, 2)}\n`);
  process.stdout.write(`\nwritten to ${file}\n`);
  return file;
}
