/**
 * Goal: `meridian logs --tail N` starts exactly at the N-th last line's first byte, also when
 * the scan's windows would start inside a multi-byte character, when the file does or does not
 * end with a newline, and when it has fewer lines than asked for.
 * Method: a fake file served with the agent's `/files/read` rules (a window cut before an
 * incomplete character at its end, bytes decoded as UTF-8 — a window starting on a continuation
 * byte reads as replacement characters) and tiny windows so every boundary case is crossed;
 * the answer is checked against splitting the file's text, for hand-picked and random files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { completeUtf8Length } from '../../../src/agent/files.js';
import { alignToCharacter, byteLengthOf, newlineOffsets, tailStartOffset, type ReadText } from '../../../src/cli/views/log-reading.js';

/** Reads of `text` as the agent answers them; counts the reads. */
function fakeFile(text: string): { read: ReadText; size: number; reads: () => number } {
  const bytes = Buffer.from(text, 'utf8');
  let reads = 0;
  const read: ReadText = async (offset, length) => {
    reads++;
    if (offset >= bytes.length) return '';
    const window = bytes.subarray(offset, Math.min(bytes.length, offset + length));
    return window.subarray(0, completeUtf8Length(window)).toString('utf8');
  };
  return { read, size: bytes.length, reads: () => reads };
}

/** The byte offset where the last `lines` lines start, computed the plain way. */
function expectedStart(text: string, lines: number): number {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const parts = body.split('\n');
  if (lines >= parts.length) return 0;
  return byteLengthOf(parts.slice(0, parts.length - lines).join('\n')) + 1;
}

test('the last N lines of a plain file, with and without a final newline', async () => {
  for (const text of ['one\ntwo\nthree\n', 'one\ntwo\nthree', '\n\n\n', 'single', '']) {
    const file = fakeFile(text);
    for (const lines of [0, 1, 2, 3, 5]) {
      for (const windowBytes of [1, 2, 3, 64]) {
        assert.equal(await tailStartOffset(file.read, file.size, lines, windowBytes), lines === 0 ? file.size : expectedStart(text, lines),
          `${JSON.stringify(text)} lines=${lines} window=${windowBytes}`);
      }
    }
  }
});

test('windows that would start inside a character are moved to its end, so offsets stay exact', async () => {
  const text = 'héllo wörld\n日本語のログ\n🚀 launched\nlast ✓\n';
  const file = fakeFile(text);
  for (const windowBytes of [1, 2, 3, 4, 5, 7, 11]) {
    for (const lines of [1, 2, 3, 4]) {
      const start = await tailStartOffset(file.read, file.size, lines, windowBytes);
      assert.equal(start, expectedStart(text, lines), `lines=${lines} window=${windowBytes}`);
      assert.equal(Buffer.from(text).subarray(start).toString('utf8'), text.split('\n').slice(-lines - 1).join('\n'));
    }
  }
});

test('a one-byte read tells a character boundary from the middle of a character', async () => {
  const file = fakeFile('a€b'); // € is 3 bytes: offsets 1, 2, 3.
  assert.equal(await alignToCharacter(file.read, 0), 0);
  assert.equal(await alignToCharacter(file.read, 1), 1);
  assert.equal(await alignToCharacter(file.read, 2), 4);
  assert.equal(await alignToCharacter(file.read, 3), 4);
  assert.deepEqual(newlineOffsets('€\nx\n', 10), [13, 15]);
});

test('random files and windows: the start is always the plain answer', async () => {
  const line = fc.array(fc.constantFrom('a', 'é', '€', '🚀', ' ', 'z'), { maxLength: 6 }).map((chars) => chars.join(''));
  await fc.assert(fc.asyncProperty(
    fc.array(line, { maxLength: 12 }), fc.boolean(), fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 9 }),
    async (lines, finalNewline, windowBytes, wanted) => {
      const text = lines.join('\n') + (finalNewline && lines.length > 0 ? '\n' : '');
      const file = fakeFile(text);
      assert.equal(await tailStartOffset(file.read, file.size, wanted, windowBytes), expectedStart(text, wanted));
    },
  ), { numRuns: 300 });
});

test('the scan reads only as far back as it needs', async () => {
  const text = `${'x'.repeat(1000)}\n`.repeat(1000);
  const file = fakeFile(text);
  assert.equal(await tailStartOffset(file.read, file.size, 2, 4096), file.size - 2002);
  assert.ok(file.reads() <= 4, `${file.reads()} reads`);
});
