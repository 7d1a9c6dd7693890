/** Small pieces both the master's and the agent's metrics need. */
import type { Resource } from '../resources/wire.js';

/** Scalar resources with `<prefix>/<name>_total`, `_used` and `_percent` gauges, as in Mesos. */
export const GAUGED_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;

/** Adds the non-revocable scalars of `resources` to `sums`, by name (Mesos' resource gauges leave revocable ones out). */
export function addScalars(sums: Map<string, number>, resources: readonly Resource[]): void {
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || resource.revocable !== undefined) continue;
    sums.set(resource.name, (sums.get(resource.name) ?? 0) + (resource.scalar?.value ?? 0));
  }
}

/** Rounds to Mesos' fixed point (0.001), so sums of many small scalars read as they should. */
export const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** The metric name of a task state: `TASK_RUNNING` → `tasks_running`. */
export function taskStateMetric(state: string): string {
  return `tasks_${state.replace(/^TASK_/, '').toLowerCase()}`;
}
