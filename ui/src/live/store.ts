/**
 * Holds the cluster picture for React: events from the subscription are queued and applied in
 * one batch a few times a second, so a burst of a thousand task updates costs one render, not a
 * thousand. Components read it with `useCluster()`.
 */
import { useSyncExternalStore } from 'react';
import { applyEvents, emptyClusterState, type ClusterState } from '../model/cluster-state.js';
import type { MasterEvent } from '../model/wire.js';
import { subscribeToMaster, type ConnectionStatus, type Subscription } from './subscription.js';

/** Longest wait between an event arriving and the page showing it. */
const BATCH_WINDOW_MS = 50;

export interface ClusterView {
  state: ClusterState;
  /** Moves whenever `state` changed; memoize derived data on it. */
  revision: number;
  status: ConnectionStatus;
}

class ClusterStore {
  private readonly state = emptyClusterState();
  private queued: MasterEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private view: ClusterView = { state: this.state, revision: 0, status: { kind: 'connecting', attempt: 0 } };
  private readonly listeners = new Set<() => void>();
  private subscription: Subscription | null = null;

  start(url: string): void {
    if (this.subscription) return;
    this.subscription = subscribeToMaster(url, {
      onEvents: (events) => this.enqueue(events),
      onStatus: (status) => this.publish({ ...this.view, status }),
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = (): ClusterView => this.view;

  private enqueue(events: MasterEvent[]): void {
    for (const event of events) this.queued.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
  }

  private flush(): void {
    this.flushTimer = null;
    const events = this.queued;
    this.queued = [];
    applyEvents(this.state, events, Date.now());
    if (this.state.revision !== this.view.revision) this.publish({ ...this.view, revision: this.state.revision });
  }

  private publish(view: ClusterView): void {
    this.view = view;
    for (const listener of this.listeners) listener();
  }
}

export const clusterStore = new ClusterStore();

export function useCluster(): ClusterView {
  return useSyncExternalStore(clusterStore.subscribe, clusterStore.snapshot);
}
