/** Data derived from the cluster picture, computed once per revision however many views ask. */
import type { ClusterState } from '../model/cluster-state.js';
import { computeUsage, type Usage } from '../model/usage.js';

let cached: { revision: number; usage: Usage } | null = null;

export function usageOf(state: ClusterState): Usage {
  if (cached === null || cached.revision !== state.revision) cached = { revision: state.revision, usage: computeUsage(state) };
  return cached.usage;
}
