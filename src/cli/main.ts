/**
 * The `meridian` command: `master`, `agent`, `up` (a local cluster), `run` (a command as tasks,
 * like mesos-execute), `why` (why a framework is not getting offers), the operator views
 * `agents`, `frameworks`, `tasks`, `roles`, `logs` (a task's stdout or stderr) and `top` (a live
 * view). Flags are named as Mesos names them; the processes' flags can also come from the
 * environment.
 *
 * Every command is listed up front, but only the one being run is loaded (with its flags):
 * loading the master would cost `meridian agents` a second or more of start-up for code it
 * never runs.
 */
import { Command, CommanderError } from 'commander';
import { FlagError, type FlagSpec, type FlagValues } from '../common/flags.js';
import { MESOS_VERSION } from '../master/shell/version.js';
import { declareFlags, flagValuesOf } from './flags-bridge.js';
import {
  AGENTS_FLAGS, declareViewFlags, FRAMEWORKS_FLAGS, LOGS_FLAGS, ROLES_FLAGS, TASKS_FLAGS, TOP_FLAGS, viewFlagValues,
} from './views/flags.js';

/** A command once loaded: its flags, how they are read, and what it does (resolving with an exit code, or nothing for servers). */
interface LoadedCommand {
  flags: readonly FlagSpec[];
  /** `process` flags take a value and come from the environment too; `view` flags are switches, and only --master comes from the environment. */
  flagStyle: 'process' | 'view';
  run(args: string[], values: FlagValues): Promise<number | void>;
}

interface CommandEntry {
  name: string;
  description: string;
  arguments?: Array<{ name: string; description: string }>;
  hidden?: boolean;
  load(): Promise<LoadedCommand>;
}

const writeLine = (stream: NodeJS.WriteStream) => (line: string) => void stream.write(`${line}\n`);

/** Writes text and resolves once stdout has taken it, so a slow reader slows `logs` rather than filling memory. */
const writeText = (text: string): Promise<void> =>
  new Promise((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', () => resolve())));

/**
 * Commands that print for a reader: a reader that goes away (`meridian tasks | head`) ends the
 * command quietly instead of with an EPIPE stack trace.
 */
function endQuietlyWhenReaderLeaves(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`meridian: cannot write to stdout: ${error.message}\n`);
    process.exit(1);
  });
}

/** An AbortSignal raised by Ctrl-C (SIGINT) or SIGTERM, for commands that stop cleanly on them. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return controller.signal;
}

function viewEntry(name: 'agents' | 'frameworks' | 'tasks' | 'roles', description: string, flags: readonly FlagSpec[]): CommandEntry {
  return {
    name,
    description,
    load: async () => {
      const { viewCommand, viewOptionsFromFlags } = await import('./views/commands.js');
      return {
        flags,
        flagStyle: 'view',
        run: (_args, values) => {
          const options = viewOptionsFromFlags(values);
          endQuietlyWhenReaderLeaves();
          return viewCommand(name, options, { out: writeLine(process.stdout), err: writeLine(process.stderr) });
        },
      };
    },
  };
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'master',
    description: 'Run a master: the scheduler API, the agent link and the allocator',
    load: async () => {
      const [{ MASTER_FLAGS }, { masterMain }] = await Promise.all([import('../master/shell/flags.js'), import('../master/shell/main.js')]);
      return { flags: MASTER_FLAGS, flagStyle: 'process', run: (_args, values) => masterMain(values) };
    },
  },
  {
    name: 'agent',
    description: 'Run an agent that offers this host\'s resources and runs tasks',
    load: async () => {
      const [{ AGENT_FLAGS }, { agentMain }] = await Promise.all([import('../agent/flags.js'), import('../agent/main.js')]);
      return { flags: AGENT_FLAGS, flagStyle: 'process', run: (_args, values) => agentMain(values) };
    },
  },
  {
    name: 'up',
    description: 'Run a local cluster: one master and two agents, state under --work_dir; Ctrl-C stops it all',
    load: async () => {
      const { UP_FLAGS, upMain } = await import('./up.js');
      return { flags: UP_FLAGS, flagStyle: 'process', run: (_args, values) => upMain(values) };
    },
  },
  {
    name: 'run',
    description: 'Run a command as tasks and wait for them, like mesos-execute',
    load: async () => {
      const { RUN_FLAGS, runCommand, runOptionsFromFlags } = await import('./run.js');
      return { flags: RUN_FLAGS, flagStyle: 'process', run: (_args, values) => runCommand(runOptionsFromFlags(values, writeLine(process.stdout))) };
    },
  },
  {
    name: 'why',
    description: 'Say why a framework is (not) getting offers: per role, the likely reason and what the agents have for it',
    arguments: [{ name: '<framework_id>', description: 'the framework to explain' }],
    load: async () => {
      const { WHY_FLAGS, whyCommand, whyOptionsFromFlags } = await import('./why.js');
      return {
        flags: WHY_FLAGS,
        flagStyle: 'process',
        run: ([frameworkId], values) => whyCommand(whyOptionsFromFlags(frameworkId ?? '', values, writeLine(process.stdout), writeLine(process.stderr))),
      };
    },
  },
  viewEntry('agents', 'List the agents: what each has, what its tasks use, how many tasks it runs', AGENTS_FLAGS),
  viewEntry('frameworks', 'List the frameworks: roles, tasks and what they use', FRAMEWORKS_FLAGS),
  viewEntry('tasks', 'List the tasks, by state, framework or agent', TASKS_FLAGS),
  viewEntry('roles', 'List the roles: weight, frameworks, what is allocated to each, and quota limits', ROLES_FLAGS),
  {
    name: 'logs',
    description: 'Print a task\'s stdout (or stderr) from its sandbox; --follow keeps printing until the task ends',
    arguments: [{ name: '<task_id>', description: 'the task whose output to print' }],
    load: async () => {
      const { logsCommand, logsOptionsFromFlags } = await import('./logs.js');
      return {
        flags: LOGS_FLAGS,
        flagStyle: 'view',
        run: ([taskId], values) => {
          const options = logsOptionsFromFlags(taskId ?? '', values, writeText, writeLine(process.stderr));
          endQuietlyWhenReaderLeaves();
          return logsCommand({ ...options, signal: interruptSignal() });
        },
      };
    },
  },
  {
    name: 'top',
    description: 'A live view of the cluster: resources used, offered and idle, tasks by state, the frameworks with the largest shares',
    load: async () => {
      const { processTerminal, topCommand, topOptionsFromFlags } = await import('./top.js');
      return {
        flags: TOP_FLAGS,
        flagStyle: 'view',
        run: (_args, values) => {
          const options = topOptionsFromFlags(values);
          endQuietlyWhenReaderLeaves();
          return topCommand(options, processTerminal(), writeLine(process.stderr), interruptSignal());
        },
      };
    },
  },
  {
    name: 'executor-host',
    description: 'Host for built-in executors (started by agents)',
    hidden: true,
    load: async () => {
      const { executorHostMain } = await import('../executor/host-main.js');
      return { flags: [], flagStyle: 'process', run: () => executorHostMain() };
    },
  },
];

/** The command the arguments run (`meridian help X` asks about X): the first word that is not an option. */
function invokedCommandName(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

function fail(message: string): never {
  process.stderr.write(`meridian: ${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('meridian')
    .description('Meridian: a cluster resource manager that speaks the Mesos v1 APIs')
    .version(MESOS_VERSION, '--version', 'print the Mesos API version this build speaks')
    .showHelpAfterError()
    .exitOverride();

  const invoked = invokedCommandName(argv.slice(2));
  for (const entry of COMMANDS) {
    const command = program.command(entry.name, entry.hidden ? { hidden: true } : {}).description(entry.description);
    for (const argument of entry.arguments ?? []) command.argument(argument.name, argument.description);
    if (entry.name !== invoked) continue;
    const loaded = await entry.load();
    if (loaded.flagStyle === 'view') declareViewFlags(command, loaded.flags);
    else declareFlags(command, loaded.flags);
    command.action(async (...params: unknown[]) => {
      // Commander passes the declared arguments, then the options, then the command.
      const args = params.slice(0, -2).map(String);
      const options = params.at(-2) as Record<string, unknown>;
      const values = loaded.flagStyle === 'view' ? viewFlagValues(loaded.flags, options) : flagValuesOf(loaded.flags, options);
      const code = await loaded.run(args, values);
      if (typeof code === 'number') process.exitCode = code;
    });
  }

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    if (error instanceof FlagError) fail(error.message);
    fail((error as Error).message);
  }
}

await main(process.argv);
