/** The current page, from the URL's hash; `navigate` changes it without reloading anything. */
import { useSyncExternalStore } from 'react';
import { parseRoute, type Route } from '../model/route.js';

const listeners = new Set<() => void>();
let currentHash = window.location.hash;
let currentRoute: Route = parseRoute(currentHash);

function onHashChange(): void {
  if (window.location.hash === currentHash) return;
  currentHash = window.location.hash;
  currentRoute = parseRoute(currentHash);
  for (const listener of listeners) listener();
}
window.addEventListener('hashchange', onHashChange);

/** Goes to `href` (a `#/...` hash); `replace` keeps the history from filling up while typing a filter. */
export function navigate(href: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  onHashChange();
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => currentRoute,
  );
}
