/**
 * The flags of the operator views (`agents`, `frameworks`, `tasks`, `roles`), `logs` and `top`,
 * declared as data so the CLI can register them without loading the commands. Switches are
 * plain (`--follow`, never `--follow true`), so `meridian logs --follow TASK_ID` reads as
 * written. Only `--master` also comes from the environment (MERIDIAN_MASTER): filters and output
 * switches set in a shell's environment would silently change what every view shows.
 */
import { Option, type Command } from 'commander';
import { envNameOfFlag, resolveFlags, type FlagSpec, type FlagValues } from '../../common/flags.js';

const MASTER: FlagSpec = {
  name: 'master', kind: 'string', default: '127.0.0.1:5050',
  help: 'The master to ask, host:port; several separated by commas are tried in turn, and a standby redirects to the leader',
};
const JSON_OUTPUT: FlagSpec = { name: 'json', kind: 'boolean', help: 'Print the rows as JSON (amounts by resource name; mem and disk in MB)' };
const ALL: FlagSpec = { name: 'all', kind: 'boolean', help: 'Also list completed ones (the master keeps a bounded history)' };

export const AGENTS_FLAGS: readonly FlagSpec[] = [MASTER, JSON_OUTPUT];
export const FRAMEWORKS_FLAGS: readonly FlagSpec[] = [MASTER, JSON_OUTPUT, ALL];
export const ROLES_FLAGS: readonly FlagSpec[] = [MASTER, JSON_OUTPUT];
export const TASKS_FLAGS: readonly FlagSpec[] = [
  MASTER, JSON_OUTPUT,
  { name: 'all', kind: 'boolean', help: 'Also list completed tasks (the master keeps a bounded history); implied by --state' },
  { name: 'state', kind: 'string', help: 'Only tasks in these states, comma-separated: running, TASK_FINISHED, ...' },
  { name: 'framework', kind: 'string', help: 'Only tasks of this framework (its id or name)' },
  { name: 'agent', kind: 'string', help: 'Only tasks on this agent (its id, hostname or hostname:port)' },
  { name: 'wide', kind: 'boolean', help: 'Add the framework and agent ids (the table names them by framework name and agent hostname)' },
];
export const LOGS_FLAGS: readonly FlagSpec[] = [
  MASTER,
  { name: 'stderr', kind: 'boolean', help: 'Read the task\'s stderr instead of its stdout' },
  { name: 'follow', kind: 'boolean', help: 'Keep printing what the task writes until it ends (Ctrl-C stops)' },
  { name: 'tail', kind: 'integer', help: 'Start with the last N lines (default: the whole file)' },
  { name: 'framework', kind: 'string', help: 'The task\'s framework id, when several frameworks have a task with this id' },
];
export const TOP_FLAGS: readonly FlagSpec[] = [
  MASTER,
  { name: 'interval', kind: 'number', default: '2', help: 'Seconds between refreshes' },
  { name: 'once', kind: 'boolean', help: 'Print one frame and exit (also when stdout is not a terminal)' },
];

/** Registers the flags on a command: switches without a value, the rest with one. */
export function declareViewFlags(command: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const flag = spec.kind === 'boolean' ? `--${spec.name}` : `--${spec.name} <value>`;
    const notes = [
      ...(spec.default !== undefined ? [`default: ${spec.default}`] : []),
      ...(spec.name === MASTER.name ? [`env ${envNameOfFlag(spec.name)}`] : []),
    ];
    command.addOption(new Option(flag, notes.length > 0 ? `${spec.help} (${notes.join('; ')})` : spec.help));
  }
  return command;
}

/** Commander's parsed options as typed values (throws a FlagError naming the flag); see the note above on the environment. */
export function viewFlagValues(specs: readonly FlagSpec[], options: Record<string, unknown>): FlagValues {
  const raw: Record<string, string | undefined> = {};
  for (const spec of specs) {
    const value = options[spec.name];
    if (value !== undefined) raw[spec.name] = value === true ? 'true' : String(value);
  }
  const masterEnv = envNameOfFlag(MASTER.name);
  return resolveFlags(specs, raw, { [masterEnv]: process.env[masterEnv] });
}
