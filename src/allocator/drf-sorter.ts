/**
 * Weighted Dominant Resource Fairness over a tree of clients, the way Mesos' DRF sorter orders
 * roles (and, flat, the frameworks of one role).
 *
 * A client is a `/`-separated path (`eng/web/canary`); every prefix is a node of the tree. A node's
 * allocation is the sum over its subtree, and its share is its dominant share (the largest fraction
 * of the cluster total it holds of any one resource) divided by the weight of its path (default 1).
 * `sort()` walks the tree from the root and, at every node, visits the children with the smallest
 * share first — so a subtree that holds much is passed over as a whole, whatever its members hold.
 * A client that also has children (`eng` beside `eng/web`) competes with its children through its
 * own allocation, as Mesos' virtual leaf does. Ties are broken by name, so an order is reproducible.
 *
 * Inactive clients keep their allocation (it counts for their ancestors) but are not listed.
 * Pure and synchronous; quantities are fixed-point to 0.001 as the resource library keeps them.
 */
import type { Quantities } from '../common/resources/resources.js';

export interface DrfSorterOptions {
  /** Resources left out of shares (Mesos `fair_sharing_excluded_resource_names`, e.g. `gpus`). */
  excludedResourceNames?: readonly string[];
}

interface SorterNode {
  /** The last component of the path; '' for the root. */
  readonly name: string;
  readonly path: string;
  readonly parent: SorterNode | null;
  readonly children: Map<string, SorterNode>;
  /** Allocation of the whole subtree, by resource index. */
  readonly subtree: number[];
  /** The client at this path, if one was added here. */
  client: { active: boolean; own: number[] } | null;
}

/** One entry a node's children are sorted as: a child subtree, or the node's own client. */
interface Entry {
  share: number;
  name: string;
  node: SorterNode;
  self: boolean;
}

const PRECISION = 1000;
const round = (value: number): number => Math.round(value * PRECISION) / PRECISION;
/** The name a client's own entry sorts under beside its children, as Mesos' virtual leaf '.'. */
const SELF = '.';

export class DrfSorter {
  private readonly root: SorterNode = newNode('', '', null);
  private readonly nodes = new Map<string, SorterNode>();
  private readonly weights = new Map<string, number>();
  private readonly resourceIndex = new Map<string, number>();
  private readonly excluded: ReadonlySet<string>;
  private readonly total: number[] = [];
  private clientCount = 0;

  constructor(options: DrfSorterOptions = {}) {
    this.excluded = new Set(options.excludedResourceNames ?? []);
  }

  /** Adds a client (inactive until activated). Adding one twice is a no-op. */
  add(client: string): void {
    if (this.nodes.get(client)?.client) return;
    const node = this.nodeAt(client);
    node.client = { active: false, own: [] };
    this.clientCount++;
  }

  /** Removes a client; its allocation leaves its ancestors' too. */
  remove(client: string): void {
    const node = this.nodes.get(client);
    if (!node?.client) return;
    this.changeAllocation(node, node.client.own, -1);
    node.client = null;
    this.clientCount--;
    this.prune(node);
  }

  /** How many clients there are, active or not. */
  get size(): number {
    return this.clientCount;
  }

  contains(client: string): boolean {
    return Boolean(this.nodes.get(client)?.client);
  }

  activate(client: string): void {
    const entry = this.nodes.get(client)?.client;
    if (entry) entry.active = true;
  }

  deactivate(client: string): void {
    const entry = this.nodes.get(client)?.client;
    if (entry) entry.active = false;
  }

  isActive(client: string): boolean {
    return this.nodes.get(client)?.client?.active ?? false;
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
  }

  /** Grows the cluster total that shares are fractions of (an agent was added). */
  addTotal(quantities: Quantities): void {
    addVector(this.total, this.vectorOf(quantities), 1);
  }

  /** Shrinks the cluster total (an agent was removed). */
  removeTotal(quantities: Quantities): void {
    addVector(this.total, this.vectorOf(quantities), -1);
  }

  allocated(client: string, quantities: Quantities): void {
    const node = this.nodes.get(client);
    if (!node?.client) return;
    this.changeAllocation(node, this.vectorOf(quantities), 1);
  }

  unallocated(client: string, quantities: Quantities): void {
    const node = this.nodes.get(client);
    if (!node?.client) return;
    this.changeAllocation(node, this.vectorOf(quantities), -1);
  }

  /** What the client itself holds (not its subtree). */
  allocation(client: string): Quantities {
    const own = this.nodes.get(client)?.client?.own ?? [];
    return this.quantitiesOf(own);
  }

  /** What a path's whole subtree holds. */
  subtreeAllocation(path: string): Quantities {
    return this.quantitiesOf(this.nodes.get(path)?.subtree ?? []);
  }

  /** The client's own weighted dominant share, as it is compared beside its siblings. */
  share(client: string): number {
    const node = this.nodes.get(client);
    if (!node?.client) return 0;
    return this.dominantShare(node.client.own) / this.weight(client);
  }

  /** Active clients, most deserving first. */
  sort(): string[] {
    const order: string[] = [];
    this.visit(this.root, order);
    return order;
  }

  private visit(node: SorterNode, order: string[]): void {
    const entries: Entry[] = [];
    for (const child of node.children.values()) {
      entries.push({ share: this.dominantShare(child.subtree) / this.weight(child.path), name: child.name, node: child, self: false });
    }
    if (node.client && node !== this.root) {
      entries.push({ share: this.dominantShare(node.client.own) / this.weight(node.path), name: SELF, node, self: true });
    }
    entries.sort((a, b) => a.share - b.share || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.self || entry.node.children.size === 0) {
        if (entry.node.client?.active) order.push(entry.node.path);
      } else {
        this.visit(entry.node, order);
      }
    }
  }

  private dominantShare(allocation: readonly number[]): number {
    let share = 0;
    for (const [name, index] of this.resourceIndex) {
      const total = this.total[index] ?? 0;
      const held = allocation[index] ?? 0;
      if (total <= 0 || held <= 0 || this.excluded.has(name)) continue;
      share = Math.max(share, held / total);
    }
    return share;
  }

  /**
   * Adds `sign × amounts` to the client's own allocation and to its every ancestor's subtree; a
   * client never gives back more than it holds, so its siblings' part of a subtree stays whole.
   */
  private changeAllocation(node: SorterNode, amounts: readonly number[], sign: 1 | -1): void {
    const client = node.client as NonNullable<SorterNode['client']>;
    const change = sign > 0 ? amounts : amounts.map((amount, i) => Math.min(amount, client.own[i] ?? 0));
    addVector(client.own, change, sign);
    for (let at: SorterNode | null = node; at !== null; at = at.parent) addVector(at.subtree, change, sign);
  }

  /** The node of a path, creating it and its ancestors as needed. */
  private nodeAt(path: string): SorterNode {
    const existing = this.nodes.get(path);
    if (existing) return existing;
    const cut = path.lastIndexOf('/');
    const parent = cut < 0 ? this.root : this.nodeAt(path.slice(0, cut));
    const node = newNode(path.slice(cut + 1), path, parent);
    parent.children.set(node.name, node);
    this.nodes.set(path, node);
    return node;
  }

  /** Drops nodes that hold neither a client nor children, from `node` up. */
  private prune(node: SorterNode): void {
    for (let at: SorterNode | null = node; at !== null && at !== this.root; at = at.parent) {
      if (at.client || at.children.size > 0) return;
      at.parent?.children.delete(at.name);
      this.nodes.delete(at.path);
    }
  }

  private indexOf(name: string): number {
    let index = this.resourceIndex.get(name);
    if (index === undefined) {
      index = this.resourceIndex.size;
      this.resourceIndex.set(name, index);
    }
    return index;
  }

  private vectorOf(quantities: Quantities): number[] {
    const vector: number[] = [];
    for (const [name, amount] of quantities) vector[this.indexOf(name)] = amount;
    return vector;
  }

  private quantitiesOf(vector: readonly number[]): Quantities {
    const out: Quantities = new Map();
    for (const [name, index] of this.resourceIndex) {
      const amount = vector[index] ?? 0;
      if (amount > 0) out.set(name, amount);
    }
    return out;
  }
}

function newNode(name: string, path: string, parent: SorterNode | null): SorterNode {
  return { name, path, parent, children: new Map(), subtree: [], client: null };
}

function addVector(into: number[], amounts: readonly number[], sign: 1 | -1): void {
  for (let i = 0; i < amounts.length; i++) {
    const amount = amounts[i];
    if (amount === undefined) continue;
    const next = round((into[i] ?? 0) + sign * amount);
    into[i] = next > 0 ? next : 0;
  }
}
