/**
 * The tasks view's query: which tasks to list (by state, framework, agent, and a search over id
 * and name) and in what order (latest change first). A query round-trips through the URL's hash,
 * so a filtered list can be bookmarked and shared.
 */
import type { TaskRecord } from './cluster-state.js';
import { isTerminalTaskState } from './wire.js';

/** `live` and `ended` group the states; any other value is one exact state such as TASK_RUNNING. */
export type StateFilter = '' | 'live' | 'ended' | string;

export interface TaskQuery {
  state: StateFilter;
  frameworkId: string;
  agentId: string;
  /** Matched against task id and name, case-insensitively; empty matches everything. */
  search: string;
}

export const EMPTY_TASK_QUERY: TaskQuery = { state: '', frameworkId: '', agentId: '', search: '' };

function stateMatches(filter: StateFilter, state: string): boolean {
  if (filter === '') return true;
  if (filter === 'live') return !isTerminalTaskState(state);
  if (filter === 'ended') return isTerminalTaskState(state);
  return state === filter;
}

/** The tasks the query selects, latest change first. */
export function filterTasks(tasks: Iterable<TaskRecord>, query: TaskQuery): TaskRecord[] {
  const needle = query.search.trim().toLowerCase();
  const selected: TaskRecord[] = [];
  for (const task of tasks) {
    if (!stateMatches(query.state, task.state)) continue;
    if (query.frameworkId !== '' && task.frameworkId !== query.frameworkId) continue;
    if (query.agentId !== '' && task.agentId !== query.agentId) continue;
    if (needle !== '' && !task.id.toLowerCase().includes(needle) && !task.name.toLowerCase().includes(needle)) continue;
    selected.push(task);
  }
  return selected.sort((a, b) => b.changeSeq - a.changeSeq);
}

const PARAMS: ReadonlyArray<[keyof TaskQuery, string]> = [['state', 'state'], ['frameworkId', 'framework'], ['agentId', 'agent'], ['search', 'q']];

/** The query as URL search parameters (`state`, `framework`, `agent`, `q`); empty fields are left out. */
export function taskQueryToParams(query: TaskQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [field, name] of PARAMS) if (query[field] !== '') params.set(name, query[field]);
  return params;
}

export function taskQueryFromParams(params: URLSearchParams): TaskQuery {
  const query = { ...EMPTY_TASK_QUERY };
  for (const [field, name] of PARAMS) query[field] = params.get(name) ?? '';
  return query;
}
