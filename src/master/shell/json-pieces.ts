/**
 * The state writers' answers as pieces: small text gathered into strings, kept Buffers and kept
 * text as they are (`JsonChunks`), and listings of many items kept between answers in blocks
 * (`BlockCache`). An answer is never one string (V8 caps a string at about 512 MB) and never
 * copied into one Buffer.
 */
import type { JsonPieces } from '../../common/http/mesos-http.js';

/** Fresh text is gathered into pieces of about this many characters. */
const CHARS_PER_PIECE = 1 << 18;

/**
 * A JSON answer being written in pieces, so no single string has to hold it all: small text is
 * gathered into strings of about CHARS_PER_PIECE characters; kept Buffers and kept text go in as
 * they are. Text stays text until it is sent: a Buffer made for one answer and dropped after it
 * counts as V8 external memory until a full garbage collection, and a few answers' worth of it
 * start one (see BlockCache).
 */
export class JsonChunks {
  private readonly pieces: Array<Buffer | string> = [];
  private bytes = 0;
  private text: string[] = [];
  private chars = 0;

  push(text: string): void {
    this.text.push(text);
    this.chars += text.length;
    if (this.chars >= CHARS_PER_PIECE) this.flush();
  }

  /** Text already encoded (kept between requests). */
  pushBuffer(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.flush();
    this.pieces.push(buffer);
    this.bytes += buffer.length;
  }

  /** Kept text, with its length in bytes (known when it was made). */
  pushKeptText(text: string, bytes: number): void {
    if (text.length === 0) return;
    this.flush();
    this.pieces.push(text);
    this.bytes += bytes;
  }

  /** The answer, in order, as it is sent. */
  answer(): JsonPieces {
    this.flush();
    return { pieces: this.pieces, bytes: this.bytes };
  }

  private flush(): void {
    if (this.text.length === 0) return;
    const joined = this.text.join('');
    this.pieces.push(joined);
    this.bytes += Buffer.byteLength(joined, 'utf8');
    this.text = [];
    this.chars = 0;
  }
}

/** Items (agents, frameworks) per block of encoded text kept between requests. */
const ITEMS_PER_BLOCK = 128;

/** A block of a listing: its items' texts joined, as text while it is new, encoded once it has lasted an answer. */
interface Block {
  texts: string[];
  text: string | null;
  bytes: number;
  buffer: Buffer | null;
}

/**
 * A listing's items as blocks of text (`item,item,…`), each written again while its items' texts
 * are the very same strings (a kept text is returned as the same string while its item is
 * unchanged, so comparing identities is enough). A new block is sent as text; only a block that
 * is still the same at the next answer is encoded and kept as a Buffer. Under offer churn nearly
 * every block changes between answers, and encoding each anew made tens of megabytes of Buffers
 * per answer, which, as external memory, started a full garbage collection every few answers.
 */
export class BlockCache {
  private blocks: Block[] = [];

  /** Writes the items `"key":[…]` (nothing for none); false when there were none. */
  writeList(out: JsonChunks, key: string, texts: readonly string[]): boolean {
    if (texts.length === 0) {
      this.blocks.length = 0;
      return false;
    }
    out.push(`"${key}":[`);
    this.writeItems(out, texts);
    out.push(']');
    return true;
  }

  /** Writes the items joined by commas. */
  writeItems(out: JsonChunks, texts: readonly string[]): void {
    const count = Math.ceil(texts.length / ITEMS_PER_BLOCK);
    for (let block = 0; block < count; block++) {
      const slice = texts.slice(block * ITEMS_PER_BLOCK, (block + 1) * ITEMS_PER_BLOCK);
      let kept = this.blocks[block];
      if (!kept || kept.texts.length !== slice.length || kept.texts.some((text, i) => text !== slice[i])) {
        const text = slice.join(',');
        kept = { texts: slice, text, bytes: Buffer.byteLength(text, 'utf8'), buffer: null };
        this.blocks[block] = kept;
      } else if (kept.buffer === null) {
        kept.buffer = Buffer.from(kept.text as string, 'utf8');
        kept.text = null;
      }
      if (block > 0) out.push(',');
      if (kept.buffer) out.pushBuffer(kept.buffer);
      else out.pushKeptText(kept.text as string, kept.bytes);
    }
    this.blocks.length = count;
  }
}
