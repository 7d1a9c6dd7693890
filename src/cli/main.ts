/**
 * The `meridian` command: `master`, `agent`, `up` (a local cluster), `run` (a command as tasks,
 * like mesos-execute), `why` (why a framework is not getting offers). Flags are named as Mesos names them and can also come from the environment.
 */
import { Command, CommanderError } from 'commander';
import { agentMain, AGENT_FLAGS } from '../agent/main.js';
import { FlagError } from '../common/flags.js';
import { executorHostMain } from '../executor/host-main.js';
import { masterMain, MASTER_FLAGS } from '../master/shell/main.js';
import { MESOS_VERSION } from '../master/shell/version.js';
import { declareFlags, flagValuesOf } from './flags-bridge.js';
import { RUN_FLAGS, runCommand, runOptionsFromFlags } from './run.js';
import { UP_FLAGS, upMain } from './up.js';
import { WHY_FLAGS, whyCommand, whyOptionsFromFlags } from './why.js';

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

  declareFlags(program.command('master').description('Run a master: the scheduler API, the agent link and the allocator'), MASTER_FLAGS)
    .action(async (options: Record<string, unknown>) => masterMain(flagValuesOf(MASTER_FLAGS, options)));

  declareFlags(program.command('agent').description('Run an agent that offers this host\'s resources and runs tasks'), AGENT_FLAGS)
    .action(async (options: Record<string, unknown>) => agentMain(flagValuesOf(AGENT_FLAGS, options)));

  declareFlags(program.command('up').description('Run a local cluster: one master and two agents, state under --work_dir; Ctrl-C stops it all'), UP_FLAGS)
    .action(async (options: Record<string, unknown>) => upMain(flagValuesOf(UP_FLAGS, options)));

  declareFlags(program.command('run').description('Run a command as tasks and wait for them, like mesos-execute'), RUN_FLAGS)
    .action(async (options: Record<string, unknown>) => {
      const values = flagValuesOf(RUN_FLAGS, options);
      const code = await runCommand(runOptionsFromFlags(values, (line) => process.stdout.write(`${line}\n`)));
      process.exitCode = code;
    });

  declareFlags(
    program.command('why').description('Say why a framework is (not) getting offers: per role, the likely reason and what the agents have for it')
      .argument('<framework_id>', 'the framework to explain'),
    WHY_FLAGS,
  ).action(async (frameworkId: string, options: Record<string, unknown>) => {
    const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(`${line}\n`);
    const values = flagValuesOf(WHY_FLAGS, options);
    process.exitCode = await whyCommand(whyOptionsFromFlags(frameworkId, values, write(process.stdout), write(process.stderr)));
  });

  program.command('executor-host', { hidden: true }).description('Host for built-in executors (started by agents)')
    .action(async () => executorHostMain());

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    if (error instanceof FlagError) fail(error.message);
    fail((error as Error).message);
  }
}

await main(process.argv);
