/** Small pieces both the master's and the agent's metrics need. */
import type { Resource } from '../resources/wire.js';

/** Scalar resources with `<prefix>/<name>_total`, `_used` and `_percent` gauges (and their `_revocable_` twins), as in Mesos. */
export const GAUGED_RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;

/**
 * Adds the scalars of `resources` to `sums` by name: the non-revocable ones by default, or only
 * the revocable ones (Mesos keeps the two apart: `cpus_used` and `cpus_revocable_used`).
 */
export function addScalars(sums: Map<string, number>, resources: readonly Resource[], revocable = false): void {
  for (const resource of resources) {
    if (resource.type !== 'SCALAR' || (resource.revocable !== undefined) !== revocable) continue;
    sums.set(resource.name, (sums.get(resource.name) ?? 0) + (resource.scalar?.value ?? 0));
  }
}

/** Rounds to Mesos' fixed point (0.001), so sums of many small scalars read as they should. */
export const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/** The metric name of a task state: `TASK_RUNNING` → `tasks_running`. */
export function taskStateMetric(state: string): string {
  return `tasks_${state.replace(/^TASK_/, '').toLowerCase()}`;
}

/**
 * The key suffix Mesos counts a task's state change under, by the state and the update's source
 * and reason: `task_lost/source_master/reason_slave_removed`. Mesos writes these with its
 * internal (v0) names, where the v1 API's AGENT is SLAVE (`SOURCE_AGENT` → `source_slave`,
 * `REASON_AGENT_REMOVED` → `reason_slave_removed`), so dashboards built on Mesos find them.
 */
export function taskStateReasonMetric(state: string, source: string, reason: string): string {
  const v0 = (name: string) => name.replace(/^(SOURCE|REASON)_AGENT(?=_|$)/, '$1_SLAVE').toLowerCase();
  return `${state.toLowerCase()}/${v0(source)}/${v0(reason)}`;
}

/**
 * Gauges `<prefix>/<name>_<kind>total`, `_used` and `_percent` for each gauged resource, from
 * the totals by name and what is used of each.
 */
export function resourceGauges(
  prefix: string, kind: '' | 'revocable_', total: ReadonlyMap<string, number>, used: (name: string) => number,
): Array<{ key: string; value: number; help: string }> {
  const gauges: Array<{ key: string; value: number; help: string }> = [];
  const what = kind === '' ? 'revocable excluded' : 'revocable only';
  for (const name of GAUGED_RESOURCES) {
    const totalAmount = round3(total.get(name) ?? 0);
    const usedAmount = round3(used(name));
    const unit = name === 'mem' || name === 'disk' ? ' (MB)' : '';
    gauges.push(
      { key: `${prefix}/${name}_${kind}total`, value: totalAmount, help: `${name}${unit} in total, ${what}` },
      { key: `${prefix}/${name}_${kind}used`, value: usedAmount, help: `${name}${unit} used by tasks and executors, ${what}` },
      { key: `${prefix}/${name}_${kind}percent`, value: totalAmount > 0 ? usedAmount / totalAmount : 0, help: `Fraction of ${name} used (0 to 1), ${what}` },
    );
  }
  return gauges;
}
