/**
 * The master's rules for role weights (docs/weights.md, master/weights_handler.cpp in Mesos): a
 * weight is a positive number and a role a valid role name. Checked once, here, for every way a
 * weight comes in (the Operator API, `PUT /weights`, the saved file, the `--weights` flag).
 */
import type { WeightInfo } from '../../api/operator/calls.js';
import type { Validation } from '../../api/schema.js';
import { validateRole } from './roles.js';

/**
 * Checks a list of weights and returns them normalised (role names trimmed, as Mesos trims them).
 * `path` names the list in messages: `update_weights.weight_infos[1].weight: must be greater than 0`.
 * A role listed twice is refused, although Mesos lets the last one win: a request that says two
 * things about one role is more likely a mistake, and refusing it keeps the update all-or-nothing.
 * `*` is a role like any other here, as in Mesos (roles::validate accepts it).
 */
export function checkWeightInfos(weightInfos: readonly WeightInfo[], path: string): Validation<WeightInfo[]> {
  const checked: WeightInfo[] = [];
  const seenAt = new Map<string, number>();
  for (const [index, info] of weightInfos.entries()) {
    const at = `${path}[${index}]`;
    const role = info.role.trim();
    const roleProblem = validateRole(role);
    if (roleProblem) return { ok: false, error: `${at}.role: ${roleProblem}` };
    const earlier = seenAt.get(role);
    if (earlier !== undefined) return { ok: false, error: `${at}.role: role '${role}' is already given a weight at ${path}[${earlier}]` };
    seenAt.set(role, index);
    if (!Number.isFinite(info.weight)) return { ok: false, error: `${at}.weight: must be a finite number` };
    if (info.weight <= 0) return { ok: false, error: `${at}.weight: must be greater than 0` };
    checked.push({ role, weight: info.weight });
  }
  return { ok: true, value: checked };
}

/** `current` with `update` applied over it, sorted by role: the weights after an update. */
export function mergeWeights(current: readonly WeightInfo[], update: readonly WeightInfo[]): WeightInfo[] {
  const byRole = new Map<string, number>(current.map((info) => [info.role, info.weight]));
  for (const info of update) byRole.set(info.role, info.weight);
  return sortedWeightInfos(byRole);
}

/** A role → weight map as WeightInfos sorted by role, so every listing is in one defined order. */
export function sortedWeightInfos(byRole: ReadonlyMap<string, number>): WeightInfo[] {
  return [...byRole.keys()].sort().map((role) => ({ role, weight: byRole.get(role) as number }));
}
