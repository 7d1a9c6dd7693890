/**
 * Goal: the chunked sorted list behaves as a sorted array under any inserts and removes, across
 * chunk splits and empty chunks. Method: a property test against a plain sorted array, with enough
 * entries (up to 600) that chunks of 128 split many times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { SortedChunks } from '../../../src/allocator/sorted-chunks.js';

interface Item { key: number; name: string }
const compare = (a: Item, b: Item) => a.key - b.key || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

test('property: inserts, removes and in-place checks agree with a sorted array', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 700 })), { minLength: 200, maxLength: 1500 }), (ops) => {
      const list = new SortedChunks<Item>(compare);
      const model: Item[] = [];
      const byName = new Map<string, Item>();
      for (const [insert, key, id] of ops) {
        const name = `n${id}`;
        const existing = byName.get(name);
        if (insert && !existing) {
          const item = { key, name };
          byName.set(name, item);
          list.insert(item);
          model.push(item);
          model.sort(compare);
        } else if (!insert && existing) {
          assert.equal(list.remove(existing), true);
          byName.delete(name);
          model.splice(model.indexOf(existing), 1);
        }
      }
      assert.deepEqual(list.toArray(), model);
      assert.equal(list.length, model.length);
      for (const item of model.slice(0, 50)) assert.equal(list.isInPlace(item), true);
      const seen: Item[] = [];
      list.some((item) => { seen.push(item); return seen.length === 10; });
      assert.deepEqual(seen, model.slice(0, 10));
      assert.equal(list.remove({ key: -1, name: 'absent' }), false);
    }),
    { numRuns: 60 },
  );
});
