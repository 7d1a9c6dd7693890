/**
 * `meridian agents|frameworks|tasks|roles`: read the master through the Operator API, print an
 * aligned table or (`--json`) the rows. Exit codes: 0 printed; 1 the master could not be reached,
 * refused, or a filter names nothing it knows; bad flags are FlagErrors naming the flag (the CLI
 * exits 2 on them).
 */
import { FlagError, type FlagValues } from '../../common/flags.js';
import { agentRows, renderAgents } from './agents.js';
import { frameworkRows, renderFrameworks } from './frameworks.js';
import { MasterAnswerError, MasterClient, MasterUnreachableError, parseMasters } from './master-client.js';
import type { GetFrameworksJson, GetQuotaJson, GetRolesJson, GetStateJson } from './operator-json.js';
import { renderRoles, roleRows } from './roles.js';
import { parseStateFilter } from './task-states.js';
import { renderTasks, taskRows, type TaskFilter } from './tasks.js';

export type ViewName = 'agents' | 'frameworks' | 'tasks' | 'roles';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;

/** Where a command writes: whole lines to stdout and stderr. */
export interface CommandOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Options every view takes, and those of `tasks`. */
export interface ViewOptions {
  client: MasterClient;
  json: boolean;
  all: boolean;
  wide: boolean;
  filter: TaskFilter;
}

/** Converts the flags of a view into ViewOptions; throws a FlagError naming the flag. */
export function viewOptionsFromFlags(values: FlagValues): ViewOptions {
  const client = new MasterClient(parseMasters(String(values.master ?? '127.0.0.1:5050')));
  const text = (name: string): string | null => {
    const value = values[name];
    if (value === undefined) return null;
    if (String(value).trim() === '') throw new FlagError(`--${name}: must not be empty`);
    return String(value).trim();
  };
  const stateText = text('state');
  const all = values.all === true;
  return {
    client,
    json: values.json === true,
    all,
    wide: values.wide === true,
    filter: { states: stateText === null ? null : parseStateFilter(stateText), framework: text('framework'), agent: text('agent'), all },
  };
}

/** Runs one view; resolves with the exit code. */
export async function viewCommand(view: ViewName, options: ViewOptions, output: CommandOutput): Promise<number> {
  try {
    return await printView(view, options, output);
  } catch (error) {
    if (error instanceof MasterUnreachableError || error instanceof MasterAnswerError) {
      output.err(`meridian ${view}: ${error.message}`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

async function printView(view: ViewName, options: ViewOptions, output: CommandOutput): Promise<number> {
  const print = (rows: unknown[], lines: () => string[]) => {
    if (options.json) output.out(JSON.stringify(rows, null, 2));
    else for (const line of lines()) output.out(line);
    return EXIT_OK;
  };
  if (view === 'roles') {
    const [roles, quota, frameworks] = await Promise.all([
      options.client.call<GetRolesJson>('GET_ROLES'),
      options.client.call<GetQuotaJson>('GET_QUOTA'),
      options.client.call<GetFrameworksJson>('GET_FRAMEWORKS'),
    ]);
    const rows = roleRows(roles, quota, frameworks);
    return print(rows, () => renderRoles(rows));
  }
  // One GET_STATE, so counts of tasks per agent or framework agree with the listings beside them.
  const state = await options.client.call<GetStateJson>('GET_STATE');
  if (view === 'agents') {
    const rows = agentRows(state);
    return print(rows, () => renderAgents(rows));
  }
  if (view === 'frameworks') {
    const rows = frameworkRows(state, { all: options.all });
    return print(rows, () => renderFrameworks(rows));
  }
  const result = taskRows(state, options.filter);
  if (!result.ok) {
    output.err(`meridian tasks: ${result.flag}: ${result.message}`);
    return EXIT_FAILED;
  }
  return print(result.rows, () => renderTasks(result.rows, { wide: options.wide }));
}
