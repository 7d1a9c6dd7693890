/**
 * RecordIO framing as the Mesos v1 streaming APIs use it: `<decimal length>\n<bytes>`, where the
 * length counts bytes (not characters) and no separator follows the record. HTTP chunk boundaries
 * are independent of records, so the decoder accepts any split of the stream.
 */

/** Upper bound on one record; a peer announcing more is broken or hostile. */
export const RECORD_BYTES_MAX = 64 * 1024 * 1024;
const LENGTH_DIGITS_MAX = 20;

export function encodeRecord(payload: string | Uint8Array): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  const header = new TextEncoder().encode(`${body.byteLength}\n`);
  const record = new Uint8Array(header.byteLength + body.byteLength);
  record.set(header, 0);
  record.set(body, header.byteLength);
  return record;
}

export class RecordIOError extends Error {
  override name = 'RecordIOError';
}

/** Incremental decoder: feed it chunks, it returns the records they complete. */
export class RecordIODecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private expectedBytes: number | null = null;
  private lengthDigits = '';

  decode(chunk: Uint8Array): Uint8Array[] {
    const records: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.expectedBytes === null) {
        const byte = chunk[offset++] as number;
        if (byte === 0x0a) {
          if (this.lengthDigits.length === 0) throw new RecordIOError('record length is empty');
          const length = Number(this.lengthDigits);
          if (length === 0) throw new RecordIOError('record length is zero');
          if (length > RECORD_BYTES_MAX) throw new RecordIOError(`record length ${length} exceeds ${RECORD_BYTES_MAX}`);
          this.expectedBytes = length;
          this.lengthDigits = '';
        } else if (byte >= 0x30 && byte <= 0x39) {
          this.lengthDigits += String.fromCharCode(byte);
          if (this.lengthDigits.length > LENGTH_DIGITS_MAX) throw new RecordIOError('record length has too many digits');
        } else {
          throw new RecordIOError(`unexpected byte 0x${byte.toString(16)} in record length`);
        }
        continue;
      }
      const wanted = this.expectedBytes - this.pendingBytes;
      const take = Math.min(wanted, chunk.byteLength - offset);
      this.pending.push(chunk.subarray(offset, offset + take));
      this.pendingBytes += take;
      offset += take;
      if (this.pendingBytes === this.expectedBytes) {
        records.push(concat(this.pending, this.pendingBytes));
        this.pending = [];
        this.pendingBytes = 0;
        this.expectedBytes = null;
      }
    }
    return records;
  }

  /** True when the stream ended cleanly between records. */
  isIdle(): boolean {
    return this.expectedBytes === null && this.lengthDigits.length === 0;
  }
}

function concat(parts: Uint8Array[], totalBytes: number): Uint8Array {
  if (parts.length === 1) return (parts[0] as Uint8Array).slice();
  const out = new Uint8Array(totalBytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
