/**
 * Reading a sandbox file through the agent's `/files/read`, which answers a window of the file
 * as text and counts offsets in bytes. A window that ends inside a character is cut before it,
 * so a reader that starts on a character boundary and advances by the text's UTF-8 length stays
 * on boundaries. A window that *starts* inside a character would begin with replacement
 * characters and throw the count off; the tail search below starts its windows only on
 * boundaries. The reads are passed in, so this runs the same on a fake file in unit tests.
 */

/** Reads up to `length` bytes at `offset` as text (empty at or past the end). */
export type ReadText = (offset: number, length: number) => Promise<string>;

/** Largest window asked for at once (the agent caps a read at 16 pages as Mesos does). */
export const READ_BYTES_MAX = 64 * 1024;
/** How far back `--tail` looks for line starts before it settles for what it found. */
export const TAIL_SCAN_BYTES_MAX = 64 * 1024 * 1024;
/** A UTF-8 character has at most three continuation bytes. */
const CONTINUATION_BYTES_MAX = 3;

const utf8 = new TextEncoder();
export const byteLengthOf = (text: string): number => utf8.encode(text).byteLength;

/**
 * The first character boundary at or after `offset`. A one-byte read tells: an ASCII byte reads
 * as itself, the lead byte of a longer character reads as nothing (the agent cuts the
 * incomplete character), and a continuation byte reads as a replacement character.
 */
export async function alignToCharacter(read: ReadText, offset: number): Promise<number> {
  for (let step = 0; step <= CONTINUATION_BYTES_MAX; step++) {
    if ((await read(offset + step, 1)) !== '\uFFFD') return offset + step;
  }
  // Not UTF-8 here: any start is as good as another.
  return offset;
}

/**
 * The byte offset where the last `lines` lines of a file of `size` bytes start. A newline that
 * ends the file ends the last line rather than starting an empty one, as `tail -n` counts. The
 * file is scanned backwards a window at a time, each window starting on a character boundary so
 * newline positions are exact; the scan stops after TAIL_SCAN_BYTES_MAX.
 */
export async function tailStartOffset(read: ReadText, size: number, lines: number, windowBytes = READ_BYTES_MAX): Promise<number> {
  if (lines <= 0) return size;
  let needed = lines;
  let end = size;
  while (end > 0 && size - end < TAIL_SCAN_BYTES_MAX) {
    const guess = Math.max(0, end - windowBytes);
    const aligned = guess === 0 ? 0 : await alignToCharacter(read, guess);
    const start = aligned < end ? aligned : guess;
    const text = await read(start, end - start);
    const newlines = newlineOffsets(text, start);
    for (let index = newlines.length - 1; index >= 0; index--) {
      const at = newlines[index] as number;
      if (at === size - 1) continue;
      if (--needed === 0) return at + 1;
    }
    end = start;
  }
  return end;
}

/** Byte offsets of the newlines in `text`, which starts at byte `start` of the file. */
export function newlineOffsets(text: string, start: number): number[] {
  const offsets: number[] = [];
  let bytes = start;
  let from = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    bytes += byteLengthOf(text.slice(from, at));
    offsets.push(bytes);
    bytes += 1;
    from = at + 1;
  }
  return offsets;
}
