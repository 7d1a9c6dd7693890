/**
 * The server side of a subscription: a chunked HTTP response carrying RecordIO records, one record
 * per chunk, with heartbeats. A subscriber that stops reading is cut off once its backlog passes
 * `STREAM_BACKLOG_BYTES_MAX`, so a slow client can never make the process buffer without bound.
 */
import type { ServerResponse } from 'node:http';
import { encodeRecord } from '../recordio.js';

export const STREAM_BACKLOG_BYTES_MAX = 16 * 1024 * 1024;
/** How long a closing stream may take to flush before its socket is destroyed. */
export const CLOSE_FLUSH_MS_MAX = 1000;
const KEEPALIVE_IDLE_MS = 30_000;

export interface EventStreamOptions {
  /** Extra response headers, e.g. `Mesos-Stream-Id`. */
  headers?: Record<string, string>;
  /** Sends `{"type":"HEARTBEAT"}` this often; 0 disables. */
  heartbeatIntervalMs: number;
  /** Unflushed bytes past which the subscriber is cut off; default STREAM_BACKLOG_BYTES_MAX. */
  backlogBytesMax?: number;
}

export class EventStream {
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closedFlag = false;
  private readonly closeListeners: Array<() => void> = [];
  private readonly backlogBytesMax: number;

  constructor(private readonly response: ServerResponse, options: EventStreamOptions) {
    this.backlogBytesMax = options.backlogBytesMax ?? STREAM_BACKLOG_BYTES_MAX;
    response.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache',
      ...options.headers,
    });
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    // A peer that vanished without closing (a partition, a dead host) is found by TCP keepalive
    // even while there is nothing to send; heartbeats find it from the other side.
    response.socket?.setKeepAlive(true, KEEPALIVE_IDLE_MS);
    response.on('close', () => this.markClosed());
    if (options.heartbeatIntervalMs > 0) {
      this.heartbeatTimer = setInterval(() => this.sendRaw('{"type":"HEARTBEAT"}'), options.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    }
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends one event; returns false when the stream is closed (the event is dropped). */
  send(event: unknown): boolean {
    return this.sendRaw(JSON.stringify(event));
  }

  sendRaw(json: string): boolean {
    if (this.closedFlag) return false;
    if (this.response.writableLength > this.backlogBytesMax) {
      this.close();
      return false;
    }
    this.response.write(encodeRecord(json));
    return true;
  }

  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.push(listener);
  }

  /** Ends the stream after what was sent so far has been flushed (a final ERROR must arrive). */
  close(): void {
    if (this.closedFlag) return;
    this.markClosed();
    const destroy = setTimeout(() => this.response.destroy(), CLOSE_FLUSH_MS_MAX);
    destroy.unref();
    this.response.end(() => {
      clearTimeout(destroy);
      this.response.destroy();
    });
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
