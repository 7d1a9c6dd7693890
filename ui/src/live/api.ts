/**
 * Requests the UI makes besides the event stream: Operator API calls, the small JSON endpoints
 * (metrics, roles, a framework's allocation), and an agent's `/state` and `/files` through the
 * master (`/agent/<agent_id>/...`), so the browser only ever talks to the master's origin.
 */
import { useEffect, useRef, useState } from 'react';

export class RequestError extends Error {
  override name = 'RequestError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readJson<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) {
    const text = (await response.text()).trim();
    throw new RequestError(response.status, `${what}: ${response.status}${text ? ` ${text}` : ''}`);
  }
  return (await response.json()) as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store', ...(signal ? { signal } : {}) });
  return readJson<T>(response, `GET ${path}`);
}

/** One Operator API call on the master (`POST /api/v1`), answered with JSON. */
export async function operatorCall<T>(call: { type: string } & Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const response = await fetch('/api/v1', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(call),
    cache: 'no-store',
    ...(signal ? { signal } : {}),
  });
  return readJson<T>(response, call.type);
}

/** A path on an agent, reached through the master. */
export function agentUrl(agentId: string, endpoint: 'state' | 'files/browse' | 'files/read' | 'files/download', params: Record<string, string | number> = {}): string {
  const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)])).toString();
  return `/agent/${encodeURIComponent(agentId)}/${endpoint}${query ? `?${query}` : ''}`;
}

export interface Polled<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/**
 * Calls `load` now and then every `intervalMs` while the component is shown (never two at once),
 * keeping the last answer when a later one fails. `key` restarts it (another framework, say).
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [polled, setPolled] = useState<Polled<T>>({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setPolled({ data: null, error: null, loading: true });
    const tick = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (!controller.signal.aborted) setPolled({ data, error: null, loading: false });
      } catch (error) {
        if (!controller.signal.aborted) setPolled((previous) => ({ data: previous.data, error: (error as Error).message, loading: false }));
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key, intervalMs]);
  return polled;
}
