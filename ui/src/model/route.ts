/**
 * The UI's pages live in the URL's hash (`#/tasks?state=TASK_RUNNING`), so the master serves one
 * page and its own paths (`/frameworks`, `/state`, ...) never clash with the UI's, and a page can
 * be bookmarked or reloaded.
 */
import { taskQueryFromParams, taskQueryToParams, type TaskQuery } from './task-filter.js';

export type Route =
  | { view: 'overview' }
  | { view: 'agents' }
  | { view: 'agent'; agentId: string }
  | { view: 'frameworks' }
  | { view: 'framework'; frameworkId: string }
  | { view: 'tasks'; query: TaskQuery }
  | { view: 'task'; frameworkId: string; taskId: string; path: string }
  | { view: 'roles' }
  | { view: 'not-found'; hash: string };

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#/, '');
  const [pathPart = '', search = ''] = body.split('?', 2);
  const params = new URLSearchParams(search);
  const raw = pathPart.split('/').filter((segment) => segment !== '');
  const segments = raw.map(decode);
  if (segments.some((segment) => segment === null)) return { view: 'not-found', hash };
  const [first, second, third] = segments as string[];
  if (segments.length === 0) return { view: 'overview' };
  if (first === 'agents' && segments.length === 1) return { view: 'agents' };
  if (first === 'agents' && segments.length === 2) return { view: 'agent', agentId: second as string };
  if (first === 'frameworks' && segments.length === 1) return { view: 'frameworks' };
  if (first === 'frameworks' && segments.length === 2) return { view: 'framework', frameworkId: second as string };
  if (first === 'tasks' && segments.length === 1) return { view: 'tasks', query: taskQueryFromParams(params) };
  if (first === 'tasks' && segments.length === 3) return { view: 'task', frameworkId: second as string, taskId: third as string, path: params.get('path') ?? '' };
  if (first === 'roles' && segments.length === 1) return { view: 'roles' };
  return { view: 'not-found', hash };
}

const segment = (value: string): string => encodeURIComponent(value);
const withQuery = (path: string, params: URLSearchParams): string => {
  const query = params.toString();
  return query === '' ? path : `${path}?${query}`;
};

/** The hash (with its `#`) that shows a route. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case 'overview': return '#/';
    case 'agents': return '#/agents';
    case 'agent': return `#/agents/${segment(route.agentId)}`;
    case 'frameworks': return '#/frameworks';
    case 'framework': return `#/frameworks/${segment(route.frameworkId)}`;
    case 'tasks': return withQuery('#/tasks', taskQueryToParams(route.query));
    case 'task': return withQuery(`#/tasks/${segment(route.frameworkId)}/${segment(route.taskId)}`, new URLSearchParams(route.path === '' ? {} : { path: route.path }));
    case 'roles': return '#/roles';
    case 'not-found': return route.hash;
  }
}
