/**
 * How long to wait before reconnecting to the master: doubling from a base up to a cap, with
 * jitter so that many open pages do not all reconnect in the same instant after a master
 * failover. The random source is passed in, so tests pin it.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/** The delay before attempt `attempt` (0 for the first retry); `random` returns a number in [0, 1). */
export function backoffDelayMs(attempt: number, random: () => number, options: BackoffOptions = RECONNECT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(0, attempt), 30));
  // Half fixed, half random: never hammering, never waiting much longer than the ceiling.
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
