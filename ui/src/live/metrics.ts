/**
 * Samples the master's `/metrics/snapshot` every few seconds for the overview's charts. It runs
 * from the page's start, so the history is there when the overview is opened, and it keeps only
 * SAMPLES_MAX samples. The snapshot is a few hundred numbers; the full state is never polled.
 */
import { useSyncExternalStore } from 'react';
import { appendSample, sampleFromSnapshot, type MetricSample } from '../model/metric-history.js';
import { getJson } from './api.js';

export const METRICS_INTERVAL_MS = 3_000;

let samples: MetricSample[] = [];
let lastError: string | null = null;
let started = false;
const listeners = new Set<() => void>();
let view: { samples: readonly MetricSample[]; error: string | null } = { samples, error: lastError };

function publish(): void {
  view = { samples, error: lastError };
  for (const listener of listeners) listener();
}

async function sampleOnce(): Promise<void> {
  try {
    const snapshot = await getJson<Record<string, unknown>>('/metrics/snapshot');
    samples = appendSample(samples, sampleFromSnapshot(snapshot, Date.now()));
    lastError = null;
  } catch (error) {
    lastError = (error as Error).message;
  }
  publish();
}

export function startMetricsSampling(): void {
  if (started) return;
  started = true;
  const loop = async () => {
    await sampleOnce();
    setTimeout(() => void loop(), METRICS_INTERVAL_MS);
  };
  void loop();
}

export function useMetricSamples(): { samples: readonly MetricSample[]; error: string | null } {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => view,
  );
}
