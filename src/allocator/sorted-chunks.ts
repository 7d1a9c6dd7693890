/**
 * A sorted list kept in chunks of at most 128 entries: inserting or removing one entry moves at
 * most a chunk's worth of others, not the whole list. A sorter node with thousands of children
 * (frameworks of one role) moves one of them after every offer; with a flat array each move
 * shifted every entry between its old and new place (about 3 µs at 2,000 entries), here it costs
 * two binary searches and a short splice.
 *
 * Entries are found by the order itself, so an entry must be removed under the same order it was
 * inserted under: change what it sorts by only while it is out of the list.
 */
const CHUNK_MAX = 128;

export class SortedChunks<T> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get length(): number {
    return this.count;
  }

  insert(item: T): void {
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      this.count = 1;
      return;
    }
    let at = this.chunkFor(item);
    if (at === this.chunks.length) at--;
    const chunk = this.chunks[at] as T[];
    chunk.splice(this.indexIn(chunk, item), 0, item);
    this.count++;
    if (chunk.length > CHUNK_MAX) this.chunks.splice(at + 1, 0, chunk.splice(CHUNK_MAX / 2));
  }

  /** Removes `item`; false when it is not where the order puts it. */
  remove(item: T): boolean {
    const found = this.locate(item);
    if (!found) return false;
    found.chunk.splice(found.index, 1);
    this.count--;
    if (found.chunk.length === 0) this.chunks.splice(found.at, 1);
    return true;
  }

  /** True when `item`, in the list, sorts after its predecessor and before its successor. */
  isInPlace(item: T): boolean {
    const found = this.locate(item);
    if (!found) return false;
    const { at, chunk, index } = found;
    const before = index > 0 ? chunk[index - 1] : this.chunks[at - 1]?.at(-1);
    const after = index + 1 < chunk.length ? chunk[index + 1] : this.chunks[at + 1]?.[0];
    return (before === undefined || this.compare(before, item) < 0) && (after === undefined || this.compare(item, after) < 0);
  }

  /** Where `item` is, found by the order: its chunk and index; null when it is not there. */
  private locate(item: T): { at: number; chunk: T[]; index: number } | null {
    const at = this.chunkFor(item);
    const chunk = this.chunks[at];
    if (!chunk) return null;
    const index = this.indexIn(chunk, item);
    return chunk[index] === item ? { at, chunk, index } : null;
  }

  /** Replaces the contents with `items`, which must already be sorted. */
  reset(items: readonly T[]): void {
    this.chunks = [];
    for (let i = 0; i < items.length; i += CHUNK_MAX / 2) this.chunks.push(items.slice(i, i + CHUNK_MAX / 2));
    this.count = items.length;
  }

  toArray(): T[] {
    return this.chunks.flat();
  }

  /** Calls `visit` in order until it returns true; true if it did. */
  some(visit: (item: T) => boolean): boolean {
    const chunks = this.chunks;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c] as T[];
      for (let i = 0; i < chunk.length; i++) if (visit(chunk[i] as T)) return true;
    }
    return false;
  }

  /** The first chunk whose last entry does not sort before `item` (chunks.length when none). */
  private chunkFor(item: T): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare((this.chunks[middle] as T[]).at(-1) as T, item) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The first index in `chunk` whose entry does not sort before `item`. */
  private indexIn(chunk: readonly T[], item: T): number {
    let low = 0;
    let high = chunk.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(chunk[middle] as T, item) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
