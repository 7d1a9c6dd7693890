/**
 * Quota as Mesos 1.9+ has it: per role, `limits` that its consumption may never exceed and
 * (deprecated in Mesos, still honoured) `guarantees` that the allocator lays resources away for.
 *
 * A role's consumption is what it is allocated of unreserved resources (offered or used) plus
 * everything reserved to it, allocated or not; a quota on a role bounds its whole subtree
 * (`eng` counts `eng/web`). Only scalar resources have quota (`cpus`, `mem`, `disk`, `gpus`, …).
 *
 * The book keeps each quota role's consumption as allocations and reservations change, and the
 * sum of unsatisfied guarantees (the headroom others must leave free), so an allocation cycle asks
 * it in constant time per role. Vectors are indexed by the sorter's resource slots.
 */
import { addToVector, slotOf, type ResourceVector } from './drf-sorter.js';

/** Amounts by resource name, as `QuotaConfig.guarantees` and `.limits` carry them. */
export type ResourceAmounts = Readonly<Record<string, number>>;

export interface QuotaSpec {
  guarantees: ResourceAmounts;
  limits: ResourceAmounts;
}

interface RoleQuota {
  spec: QuotaSpec;
  guarantees: number[];
  /** Per slot; undefined where the role has no limit. */
  limits: Array<number | undefined>;
  consumed: number[];
}

const PRECISION = 1000;
const round = (value: number): number => Math.round(value * PRECISION) / PRECISION;

export class QuotaBook {
  private readonly quotas = new Map<string, RoleQuota>();
  /** Per slot: the guarantees not yet met, summed over roles. */
  private readonly unmet: number[] = [];

  get size(): number {
    return this.quotas.size;
  }

  /** True while some role has a guarantee it has not consumed yet. */
  get hasUnmetGuarantees(): boolean {
    return this.unmet.some((amount) => amount > 0);
  }

  roles(): Array<[string, QuotaSpec]> {
    return [...this.quotas].map(([role, quota]) => [role, quota.spec]);
  }

  /** Sets (or, with null, removes) a role's quota; `consumed` is what its subtree consumes now. */
  set(role: string, spec: QuotaSpec | null, consumed: ResourceVector): void {
    const existing = this.quotas.get(role);
    if (existing) this.changeUnmet(existing, -1);
    this.quotas.delete(role);
    if (spec === null || (Object.keys(spec.guarantees).length === 0 && Object.keys(spec.limits).length === 0)) return;
    const quota: RoleQuota = { spec, guarantees: vectorOf(spec.guarantees), limits: [], consumed: [...consumed] };
    for (const [name, amount] of Object.entries(spec.limits)) quota.limits[slotOf(name)] = amount;
    this.quotas.set(role, quota);
    this.changeUnmet(quota, 1);
  }

  /** Adds `sign × amounts` (unreserved allocated, or reserved) of `role` to every quota above it. */
  charge(role: string, amounts: ResourceVector, sign: 1 | -1): void {
    for (let path = role; ;) {
      const quota = this.quotas.get(path);
      if (quota) {
        this.changeUnmet(quota, -1);
        for (let slot = 0; slot < amounts.length; slot++) {
          const amount = amounts[slot];
          if (amount !== undefined) quota.consumed[slot] = round((quota.consumed[slot] ?? 0) + sign * amount);
        }
        this.changeUnmet(quota, 1);
      }
      const cut = path.lastIndexOf('/');
      if (cut < 0) return;
      path = path.slice(0, cut);
    }
  }

  consumed(role: string): ResourceVector | undefined {
    return this.quotas.get(role)?.consumed;
  }

  /**
   * Per slot, how much more `role` may consume under its own limits and its ancestors'; null
   * when no limit applies to it.
   */
  limitHeadroom(role: string): Array<number | undefined> | null {
    let headroom: Array<number | undefined> | null = null;
    for (let path = role; ;) {
      const quota = this.quotas.get(path);
      if (quota) {
        quota.limits.forEach((limit, slot) => {
          if (limit === undefined) return;
          const left = Math.max(0, round(limit - (quota.consumed[slot] ?? 0)));
          headroom ??= [];
          const current = headroom[slot];
          headroom[slot] = current === undefined ? left : Math.min(current, left);
        });
      }
      const cut = path.lastIndexOf('/');
      if (cut < 0) return headroom;
      path = path.slice(0, cut);
    }
  }

  /** How much more of one resource `role` may consume under its limits and its ancestors'; Infinity when unlimited. */
  limitLeft(role: string, slot: number): number {
    let left = Infinity;
    for (let path = role; ;) {
      const quota = this.quotas.get(path);
      const limit = quota?.limits[slot];
      if (quota && limit !== undefined) left = Math.min(left, Math.max(0, round(limit - (quota.consumed[slot] ?? 0))));
      const cut = path.lastIndexOf('/');
      if (cut < 0) return left;
      path = path.slice(0, cut);
    }
  }

  /** True when `role`'s own guarantee is not met yet. */
  lacksGuarantee(role: string): boolean {
    const quota = this.quotas.get(role);
    return quota !== undefined && quota.guarantees.some((guarantee, slot) => guarantee > (quota.consumed[slot] ?? 0));
  }

  /** Per slot, what `role`'s own guarantee still lacks; null when it has none left to meet. */
  unmetGuarantee(role: string): number[] | null {
    const quota = this.quotas.get(role);
    if (!quota) return null;
    const lacking = quota.guarantees.map((guarantee, slot) => Math.max(0, round(guarantee - (quota.consumed[slot] ?? 0))));
    return lacking.some((amount) => amount > 0) ? lacking : null;
  }

  /** Per slot, the guarantees of all roles not yet met: what must stay free for them. */
  get unmetGuarantees(): ResourceVector {
    return this.unmet;
  }

  private changeUnmet(quota: RoleQuota, sign: 1 | -1): void {
    quota.guarantees.forEach((guarantee, slot) => {
      const lacking = Math.max(0, round(guarantee - (quota.consumed[slot] ?? 0)));
      if (lacking > 0) this.unmet[slot] = Math.max(0, round((this.unmet[slot] ?? 0) + sign * lacking));
    });
  }
}

function vectorOf(amounts: ResourceAmounts): number[] {
  const vector: number[] = [];
  for (const [name, amount] of Object.entries(amounts)) addToVector(vector, name, amount);
  return vector;
}
