/**
 * The master's allocator flags, as Mesos spells them: `--min_allocatable_resources` (sets of
 * quantities separated by `|`, each `name:amount` pairs separated by `;`, e.g.
 * `disk:1|cpus:1;mem:32;ports:1`; a RANGES or SET resource counts its members) and
 * `--fair_sharing_excluded_resource_names` (a comma-separated list, e.g. `gpus`).
 */
import type { MinAllocatable } from '../../allocator/drf-allocator.js';
import { FlagError } from '../../common/flags.js';

export function parseMinAllocatable(text: string): MinAllocatable {
  const flag = '--min_allocatable_resources';
  const sets = text.split('|').map((set) => set.trim());
  if (sets.some((set) => set === '')) throw new FlagError(`${flag}: '${text}' has an empty set of quantities (expecting e.g. 'cpus:0.01|mem:32')`);
  return sets.map((set) => {
    const quantities: Record<string, number> = {};
    for (const pair of set.split(';').map((part) => part.trim()).filter((part) => part !== '')) {
      const colon = pair.indexOf(':');
      const name = pair.slice(0, colon).trim();
      const amount = Number(pair.slice(colon + 1).trim());
      if (colon <= 0 || name === '' || pair.slice(colon + 1).trim() === '' || !Number.isFinite(amount)) {
        throw new FlagError(`${flag}: '${pair}' is not a quantity (expecting 'name:amount', e.g. 'cpus:0.01')`);
      }
      if (amount < 0) throw new FlagError(`${flag}: '${pair}' is negative`);
      if (quantities[name] !== undefined) throw new FlagError(`${flag}: '${name}' appears twice in '${set}'`);
      quantities[name] = amount;
    }
    return quantities;
  });
}

export function parseExcludedResourceNames(text: string): string[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const bad = names.find((name) => /[\s;:|]/.test(name));
  if (bad !== undefined) throw new FlagError(`--fair_sharing_excluded_resource_names: '${bad}' is not a resource name`);
  return names;
}
