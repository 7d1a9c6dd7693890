/**
 * Following a file on an agent through `/files/read`, as `tail -f` does: first ask for the size
 * (offset -1), start a little before the end, then read from where the last read ended. Offsets
 * count bytes, as the agent's do. The text kept is bounded, so a chatty task cannot fill the
 * browser's memory.
 */

/** Text kept on screen; older output is dropped from the top. */
export const TAIL_TEXT_CHARS_MAX = 512 * 1024;
/** How far before the end the first read starts. */
export const TAIL_BACKLOG_BYTES = 64 * 1024;
/** Largest read asked for at once. */
export const TAIL_READ_BYTES_MAX = 64 * 1024;

export interface TailState {
  /** Byte offset of the next read; null until the file's size is known. */
  offset: number | null;
  text: string;
  /** Whether output before what is shown exists (skipped at the start or dropped later). */
  clipped: boolean;
}

export const initialTail = (): TailState => ({ offset: null, text: '', clipped: false });

/** Query for the next `/files/read`: the size probe first, then the bytes after `offset`. */
export function nextRead(state: TailState): { offset: number; length: number } {
  return state.offset === null ? { offset: -1, length: 0 } : { offset: state.offset, length: TAIL_READ_BYTES_MAX };
}

const utf8 = new TextEncoder();

/** Folds a `/files/read` answer (`{data, offset}`) into the tail. */
export function applyRead(state: TailState, answer: { data: string; offset: number }): TailState {
  if (state.offset === null) {
    // The answer to the size probe: `offset` is the file's size.
    const start = Math.max(0, answer.offset - TAIL_BACKLOG_BYTES);
    return { offset: start, text: '', clipped: start > 0 };
  }
  if (answer.data.length === 0) {
    // The file shrank below our offset (rotated or truncated): start over near its new end.
    return answer.offset < state.offset ? initialTail() : state;
  }
  let text = state.text + answer.data;
  let clipped = state.clipped;
  if (text.length > TAIL_TEXT_CHARS_MAX) {
    text = text.slice(text.length - TAIL_TEXT_CHARS_MAX);
    clipped = true;
  }
  return { offset: answer.offset + utf8.encode(answer.data).byteLength, text, clipped };
}

/** Whether a read filled its whole length, so more is waiting and the next read should come at once. */
export const readWasFull = (answer: { data: string }): boolean => utf8.encode(answer.data).byteLength >= TAIL_READ_BYTES_MAX;
