/**
 * Weighted Dominant Resource Fairness over a tree of clients, the way Mesos' DRF sorter orders
 * roles (and, flat, the frameworks of one role).
 *
 * A client is a `/`-separated path (`eng/web/canary`); every prefix is a node of the tree. A node's
 * allocation is the sum over its subtree, and its share is its dominant share (the largest fraction
 * of the cluster total it holds of any one resource) divided by the weight of its path (default 1).
 * The order walks the tree from the root and, at every node, visits the children with the smallest
 * share first — so a subtree that holds much is passed over as a whole, whatever its members hold.
 * A client is the leaf `.` below the node of its path, so a client that also has children (`eng`
 * beside `eng/web`) competes with them through its own allocation, as Mesos' virtual leaf does.
 * A flat sorter (framework ids, which are not paths) hangs its clients off the root directly.
 * Ties are broken by name, so an order is reproducible.
 *
 * Speed: the allocator asks for the order once per agent and changes one client's allocation after
 * each offer, so each node keeps its children sorted and an allocation change moves only the
 * changed path's nodes within their parents (binary search). Only nodes with an active client
 * below them are kept in those lists, so suppressed clients cost nothing to pass over. A change of
 * the cluster total or a weight changes many shares at once; it marks the order stale and the next
 * read recomputes it whole.
 *
 * Inactive clients keep their allocation (it counts for their ancestors) but are not listed.
 * Pure and synchronous; quantities are fixed-point to 0.001 as the resource library keeps them.
 */
import type { Quantities } from '../common/resources/resources.js';
import { SortedChunks } from './sorted-chunks.js';

/**
 * The cluster total that shares are fractions of, shared by every sorter of an allocator: changed
 * once per agent added or removed, not once per sorter; each sorter re-sorts on its next read.
 */
export class SharedTotal {
  readonly amounts: number[] = [];
  version = 0;

  change(amounts: ResourceVector, sign: 1 | -1): void {
    addVector(this.amounts, amounts, sign);
    this.version++;
  }
}

export interface DrfSorterOptions {
  /** The total to share (default: the sorter's own). */
  total?: SharedTotal;
  /** Resources left out of shares (Mesos `fair_sharing_excluded_resource_names`, e.g. `gpus`). */
  excludedResourceNames?: readonly string[];
  /** False treats a `/` in a client's name as any other character (framework ids are not paths). */
  hierarchical?: boolean;
}

interface SorterNode {
  /** The last component of the path ('.' for a client's leaf, '' for the root). */
  readonly name: string;
  /** The node's path; a client's leaf has its client's path. */
  readonly path: string;
  readonly parent: SorterNode | null;
  readonly children: Map<string, SorterNode>;
  /** Allocation of the whole subtree (of a leaf: its client's own), by resource index. */
  readonly subtree: number[];
  /** The weighted share it is sorted by within its parent. */
  share: number;
  /** Children with an active client below them, by (share, name). */
  readonly listed: SortedChunks<SorterNode>;
  /** Active clients in the subtree; the node is in its parent's `listed` while this is above 0. */
  activeBelow: number;
  /** Set on a client's leaf, with what its owner keeps with the client (handed to `visit`'s visitor). */
  client: { active: boolean; payload: unknown } | null;
}

/**
 * Amounts by resource, indexed by a slot per resource name that every sorter shares, so the
 * allocator can turn an allocation into a vector once and hand it to both of its sorters.
 */
export type ResourceVector = readonly number[];

const slotOfName = new Map<string, number>();
const nameOfSlot: string[] = [];

/** The vector slot of a resource name. */
export function slotOf(name: string): number {
  let slot = slotOfName.get(name);
  if (slot === undefined) {
    slot = nameOfSlot.length;
    slotOfName.set(name, slot);
    nameOfSlot.push(name);
  }
  return slot;
}

/** The vector of scalar quantities, for the `…Vector` methods. */
export function resourceVector(quantities: Quantities): number[] {
  const vector: number[] = [];
  for (const [name, amount] of quantities) vector[slotOf(name)] = amount;
  return vector;
}

/** A vector as amounts by resource name (zeros left out). */
export function namedAmounts(vector: ResourceVector): Record<string, number> {
  const out: Record<string, number> = {};
  vector.forEach((amount, slot) => {
    if (amount > 0) out[nameOfSlot[slot] as string] = amount;
  });
  return out;
}

/** Adds one resource's amount to a vector being built. */
export function addToVector(vector: number[], name: string, amount: number): void {
  const slot = slotOf(name);
  vector[slot] = round((vector[slot] ?? 0) + amount);
}

const PRECISION = 1000;
const round = (value: number): number => Math.round(value * PRECISION) / PRECISION;
/** The name of a client's leaf below the node of its path, as Mesos names its virtual leaf. */
const LEAF = '.';

export class DrfSorter<Payload = undefined> {
  private readonly root: SorterNode = newNode('', '', null);
  /** Nodes by path (not the leaves). */
  private readonly nodes = new Map<string, SorterNode>();
  /** Clients' leaves by client. */
  private readonly leaves = new Map<string, SorterNode>();
  private readonly weights = new Map<string, number>();
  private readonly excluded: ReadonlySet<string>;
  private readonly hierarchical: boolean;
  private readonly total: SharedTotal;
  private totalVersion = -1;
  private clientCount = 0;
  /** Shares (and so the lists) no longer match totals or weights; recomputed on the next read. */
  private stale = false;

  constructor(options: DrfSorterOptions = {}) {
    this.excluded = new Set(options.excludedResourceNames ?? []);
    this.total = options.total ?? new SharedTotal();
    this.hierarchical = options.hierarchical ?? true;
  }

  /**
   * Adds a client (inactive until activated), with a payload the visitor is handed so the caller
   * need not look the client up. Adding one again only replaces its payload.
   */
  add(client: string, payload?: Payload): void {
    const existing = this.leaves.get(client);
    if (existing) {
      if (payload !== undefined) (existing.client as { payload: unknown }).payload = payload;
      return;
    }
    // Flat, a client is a leaf of the root itself: one node to move per allocation, not two.
    const parent = this.hierarchical ? this.nodeAt(client) : this.root;
    const leaf = newNode(this.hierarchical ? LEAF : client, client, parent);
    leaf.client = { active: false, payload };
    leaf.share = this.shareOf(leaf);
    parent.children.set(leaf.name, leaf);
    this.leaves.set(client, leaf);
    this.clientCount++;
  }

  /** Removes a client; its allocation leaves its ancestors' too. */
  remove(client: string): void {
    const leaf = this.leafOf(client);
    if (!leaf) return;
    this.deactivate(client);
    this.changeAllocation(leaf, leaf.subtree, -1);
    const parent = leaf.parent as SorterNode;
    parent.children.delete(leaf.name);
    this.leaves.delete(client);
    this.clientCount--;
    this.prune(parent);
  }

  /** How many clients there are, active or not. */
  get size(): number {
    return this.clientCount;
  }

  contains(client: string): boolean {
    return this.leafOf(client) !== undefined;
  }

  activate(client: string): void {
    const leaf = this.leafOf(client);
    if (!leaf?.client || leaf.client.active) return;
    leaf.client.active = true;
    for (let at: SorterNode = leaf; at.parent !== null; at = at.parent) {
      at.activeBelow++;
      if (at.activeBelow === 1) at.parent.listed.insert(at);
    }
    this.root.activeBelow++;
  }

  deactivate(client: string): void {
    const leaf = this.leafOf(client);
    if (!leaf?.client?.active) return;
    leaf.client.active = false;
    for (let at: SorterNode = leaf; at.parent !== null; at = at.parent) {
      at.activeBelow--;
      if (at.activeBelow === 0) removeListed(at.parent.listed, at);
    }
    this.root.activeBelow--;
  }

  isActive(client: string): boolean {
    return this.leafOf(client)?.client?.active ?? false;
  }

  /** The weight of a path (a client or any prefix of one); 1 when never set. */
  weight(path: string): number {
    return this.weights.get(path) ?? 1;
  }

  /** Sets the weight of a path; it applies to the path's node whenever it exists. */
  updateWeight(path: string, weight: number): void {
    if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError(`weight of '${path}' must be a positive number, got ${weight}`);
    if (weight === 1) this.weights.delete(path);
    else this.weights.set(path, weight);
    this.stale = true;
  }

  /** Grows the cluster total that shares are fractions of (an agent was added). */
  addTotal(quantities: Quantities): void {
    this.total.change(resourceVector(quantities), 1);
  }

  /** Shrinks the cluster total (an agent was removed). */
  removeTotal(quantities: Quantities): void {
    this.total.change(resourceVector(quantities), -1);
  }

  allocated(client: string, quantities: Quantities): void {
    this.allocatedVector(client, resourceVector(quantities));
  }

  unallocated(client: string, quantities: Quantities): void {
    this.unallocatedVector(client, resourceVector(quantities));
  }

  /** Adds to a client's allocation; false when there is no such client. */
  allocatedVector(client: string, amounts: ResourceVector): boolean {
    const leaf = this.leafOf(client);
    if (leaf) this.changeAllocation(leaf, amounts, 1);
    return leaf !== undefined;
  }

  /** Takes from a client's allocation; false when there is no such client. */
  unallocatedVector(client: string, amounts: ResourceVector): boolean {
    const leaf = this.leafOf(client);
    if (leaf) this.changeAllocation(leaf, amounts, -1);
    return leaf !== undefined;
  }

  /** What the client itself holds (not its subtree). */
  allocation(client: string): Quantities {
    return this.quantitiesOf(this.leafOf(client)?.subtree ?? []);
  }

  /** What a path's whole subtree holds. */
  subtreeAllocation(path: string): Quantities {
    return this.quantitiesOf(this.nodes.get(path)?.subtree ?? []);
  }

  /** The client's own weighted dominant share, as it is compared beside its siblings. */
  share(client: string): number {
    const leaf = this.leafOf(client);
    return leaf ? this.shareOf(leaf) : 0;
  }

  /** Active clients, most deserving first. */
  sort(): string[] {
    const order: string[] = [];
    this.visit((client) => {
      order.push(client);
      return false;
    });
    return order;
  }

  /**
   * Calls `visitor` with active clients, most deserving first, until it returns true. A visitor
   * that changes an allocation must return true: the order it walks has changed under it.
   */
  visit(visitor: (client: string, payload: Payload) => boolean): boolean {
    if (this.isStale) this.refresh();
    return visitListed(this.root, visitor as (client: string, payload: unknown) => boolean);
  }

  private get isStale(): boolean {
    return this.stale || this.totalVersion !== this.total.version;
  }

  private shareOf(node: SorterNode): number {
    let share = 0;
    const total = this.total.amounts;
    const held = node.subtree;
    for (let i = 0; i < held.length; i++) {
      const amount = held[i];
      const of = total[i];
      if (amount === undefined || amount <= 0 || of === undefined || of <= 0) continue;
      if (this.excluded.size > 0 && this.excluded.has(nameOfSlot[i] as string)) continue;
      const fraction = amount / of;
      if (fraction > share) share = fraction;
    }
    const weight = this.weights.size === 0 ? 1 : this.weight(node.path);
    return share / weight;
  }

  /**
   * Adds `sign × amounts` to a client's own allocation and to its every ancestor's subtree, and
   * moves each changed node to its new place among its siblings; a client never gives back more
   * than it holds, so its siblings' part of a subtree stays whole.
   */
  private changeAllocation(leaf: SorterNode, amounts: readonly number[], sign: 1 | -1): void {
    // Copied when it is the leaf's own vector (remove) or asks back more than held; else used as is.
    const change = amounts !== leaf.subtree && (sign > 0 || !exceeds(amounts, leaf.subtree))
      ? amounts
      : amounts.map((amount, i) => Math.min(amount, leaf.subtree[i] ?? 0));
    for (let at: SorterNode | null = leaf; at !== null; at = at.parent) addVector(at.subtree, change, sign);
    if (this.isStale) return;
    for (let at: SorterNode = leaf; at.parent !== null; at = at.parent) {
      const share = this.shareOf(at);
      if (share === at.share) continue;
      if (at.activeBelow > 0) moveSorted(at.parent.listed, at, share);
      else at.share = share;
    }
  }

  /** Recomputes every share and re-sorts every list, after the totals or the weights changed. */
  private refresh(): void {
    const walk = (node: SorterNode): void => {
      for (const child of node.children.values()) {
        child.share = this.shareOf(child);
        walk(child);
      }
      node.listed.reset(node.listed.toArray().sort(compareNodes));
    };
    walk(this.root);
    this.stale = false;
    this.totalVersion = this.total.version;
  }

  private leafOf(client: string): SorterNode | undefined {
    return this.leaves.get(client);
  }

  /** The node of a path, creating it and its ancestors as needed. */
  private nodeAt(path: string): SorterNode {
    const existing = this.nodes.get(path);
    if (existing) return existing;
    const cut = this.hierarchical ? path.lastIndexOf('/') : -1;
    const parent = cut < 0 ? this.root : this.nodeAt(path.slice(0, cut));
    const node = newNode(path.slice(cut + 1), path, parent);
    node.share = this.shareOf(node);
    parent.children.set(node.name, node);
    this.nodes.set(path, node);
    return node;
  }

  /** Drops nodes that hold neither a client nor children, from `node` up. */
  private prune(node: SorterNode): void {
    for (let at: SorterNode | null = node; at !== null && at !== this.root; at = at.parent) {
      if (at.children.size > 0) return;
      at.parent?.children.delete(at.name);
      this.nodes.delete(at.path);
    }
  }

  private quantitiesOf(vector: readonly number[]): Quantities {
    const out: Quantities = new Map();
    vector.forEach((amount, slot) => {
      if (amount > 0) out.set(nameOfSlot[slot] as string, amount);
    });
    return out;
  }
}

function newNode(name: string, path: string, parent: SorterNode | null): SorterNode {
  return { name, path, parent, children: new Map(), subtree: [], share: 0, listed: new SortedChunks(compareNodes), activeBelow: 0, client: null };
}

function visitListed(node: SorterNode, visitor: (client: string, payload: unknown) => boolean): boolean {
  return node.listed.some((child) => (child.client ? visitor(child.path, child.client.payload) : visitListed(child, visitor)));
}

function compareNodes(a: SorterNode, b: SorterNode): number {
  return a.share - b.share || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Takes `node` out of a list, found by its current share and name. */
function removeListed(list: SortedChunks<SorterNode>, node: SorterNode): void {
  if (!list.remove(node)) throw new Error(`sorter: '${node.path}' is not where its share puts it`);
}

/** Gives a listed node a new share and moves it to its place (often where it already is). */
function moveSorted(list: SortedChunks<SorterNode>, node: SorterNode, share: number): void {
  const old = node.share;
  node.share = share;
  if (list.isInPlace(node)) return;
  node.share = old;
  removeListed(list, node);
  node.share = share;
  list.insert(node);
}

/** Whether any amount is above what `held` has of it. */
function exceeds(amounts: ResourceVector, held: ResourceVector): boolean {
  for (let i = 0; i < amounts.length; i++) if ((amounts[i] ?? 0) > (held[i] ?? 0)) return true;
  return false;
}

/** Adds `sign × amounts` into a vector, in thousandths, never below zero. */
export function addVector(into: number[], amounts: readonly number[], sign: 1 | -1): void {
  for (let i = 0; i < amounts.length; i++) {
    const amount = amounts[i];
    if (amount === undefined) continue;
    const next = round((into[i] ?? 0) + sign * amount);
    into[i] = next > 0 ? next : 0;
  }
}
