/**
 * Task states as the CLI reads them: the list a `--state` filter may name, which states are
 * terminal, and parsing the filter. The lists are kept here rather than imported from
 * api/mesos.ts because that module loads TypeBox at start; the compiler checks the list is
 * complete, and a unit test checks it and the terminal set against api/mesos.ts.
 */
import type { TaskState } from '../../api/mesos.js';
import { FlagError } from '../../common/flags.js';

/** Whether each state is terminal (never changes again), as api/mesos.ts' TERMINAL_TASK_STATES says. */
const TERMINAL_BY_STATE: Readonly<Record<TaskState, boolean>> = {
  TASK_STAGING: false,
  TASK_STARTING: false,
  TASK_RUNNING: false,
  TASK_KILLING: false,
  TASK_FINISHED: true,
  TASK_FAILED: true,
  TASK_KILLED: true,
  TASK_ERROR: true,
  TASK_LOST: true,
  TASK_DROPPED: true,
  TASK_UNREACHABLE: false,
  TASK_GONE: true,
  TASK_GONE_BY_OPERATOR: true,
  TASK_UNKNOWN: false,
};

/** Every task state, in Mesos' order. */
export const TASK_STATE_NAMES = Object.keys(TERMINAL_BY_STATE) as TaskState[];

export const isTerminal = (state: TaskState): boolean => TERMINAL_BY_STATE[state] ?? false;

/**
 * Parses `--state`: one or more states separated by commas, each as Mesos spells it
 * (`TASK_RUNNING`) or without the prefix in any case (`running`). Throws a FlagError naming
 * the flag and the accepted values.
 */
export function parseStateFilter(text: string): Set<TaskState> {
  const states = new Set<TaskState>();
  for (const part of text.split(',')) {
    const word = part.trim().toUpperCase();
    if (word === '') throw new FlagError(`--state: '${text}' names no state (one or more of: ${shortNames()}, comma-separated)`);
    const name = (word.startsWith('TASK_') ? word : `TASK_${word}`) as TaskState;
    if (!(name in TERMINAL_BY_STATE)) throw new FlagError(`--state: '${part.trim()}' is not a task state (one of: ${shortNames()})`);
    states.add(name);
  }
  return states;
}

const shortNames = (): string => TASK_STATE_NAMES.map((state) => state.slice('TASK_'.length).toLowerCase()).join(', ');

