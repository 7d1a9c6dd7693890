/**
 * The UI's connection to the master: `POST /api/v1 {"type":"SUBSCRIBE"}` read as a stream with
 * fetch, decoded into events and handed on in batches (one per chunk read). When the stream ends,
 * breaks or falls silent for three heartbeat intervals, it reconnects with backoff; the next
 * SUBSCRIBED replaces the whole picture, so nothing missed in between is lost.
 */
import { backoffDelayMs } from '../model/backoff.js';
import { MasterEventDecoder } from '../model/event-decoder.js';
import type { MasterEvent } from '../model/wire.js';

export type ConnectionStatus =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'live'; sinceMs: number }
  | { kind: 'retrying'; attempt: number; retryAtMs: number; error: string };

export interface SubscriptionHandlers {
  onEvents(events: MasterEvent[]): void;
  onStatus(status: ConnectionStatus): void;
}

/** Silence allowed before the first event (SUBSCRIBED carries the whole state, so it may be large and slow). */
const FIRST_EVENT_WAIT_MS = 60_000;
/** Heartbeats missed in a row before the stream is taken for dead. */
const HEARTBEATS_MISSED_MAX = 3;
/** Heartbeat interval assumed until SUBSCRIBED says (Mesos' default). */
const DEFAULT_HEARTBEAT_SECONDS = 15;

export interface Subscription {
  close(): void;
}

export function subscribeToMaster(url: string, handlers: SubscriptionHandlers): Subscription {
  let closed = false;
  let current: AbortController | null = null;
  let wakeUp: (() => void) | null = null;

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wakeUp = () => {
      clearTimeout(timer);
      resolve();
    };
  });

  /** Reads one stream until it ends; returns why it ended. */
  async function readStream(attempt: number): Promise<{ error: string; wasLive: boolean }> {
    const controller = new AbortController();
    current = controller;
    let silenceTimer: ReturnType<typeof setTimeout> | undefined;
    let silenceLimitMs = FIRST_EVENT_WAIT_MS;
    let wasLive = false;
    const armWatchdog = () => {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => controller.abort(new Error(`no event or heartbeat for ${Math.round(silenceLimitMs / 1000)} s`)), silenceLimitMs);
    };
    handlers.onStatus({ kind: 'connecting', attempt });
    armWatchdog();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ type: 'SUBSCRIBE' }),
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!response.ok || response.body === null) {
        const text = (await response.text()).trim();
        return { error: `the master answered ${response.status}${text ? `: ${text}` : ''}`, wasLive };
      }
      const decoder = new MasterEventDecoder();
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { error: 'the master ended the stream', wasLive };
        armWatchdog();
        const events = decoder.decode(value);
        if (events.length === 0) continue;
        const subscribed = events.find((event) => event.type === 'SUBSCRIBED');
        if (subscribed && subscribed.type === 'SUBSCRIBED') {
          const heartbeatSeconds = subscribed.subscribed.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS;
          silenceLimitMs = Math.max(5_000, heartbeatSeconds * 1000 * HEARTBEATS_MISSED_MAX);
          armWatchdog();
          wasLive = true;
          handlers.onStatus({ kind: 'live', sinceMs: Date.now() });
        }
        handlers.onEvents(events);
      }
    } catch (error) {
      const reason = controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : error;
      return { error: reason instanceof Error ? reason.message : String(reason), wasLive };
    } finally {
      clearTimeout(silenceTimer);
      controller.abort();
    }
  }

  async function run(): Promise<void> {
    let attempt = 0;
    while (!closed) {
      const { error, wasLive } = await readStream(attempt);
      if (closed) return;
      // A stream that got as far as SUBSCRIBED was healthy: start the backoff over.
      attempt = wasLive ? 0 : attempt + 1;
      const delayMs = backoffDelayMs(attempt, Math.random);
      handlers.onStatus({ kind: 'retrying', attempt, retryAtMs: Date.now() + delayMs, error });
      await sleep(delayMs);
    }
  }

  void run();
  return {
    close() {
      closed = true;
      current?.abort(new Error('closed'));
      (wakeUp as (() => void) | null)?.();
    },
  };
}
