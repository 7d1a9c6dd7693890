/** Starting and stopping an agent process: flags in, a registered agent serving the Executor API out. */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Attribute } from '../api/mesos.js';
import type { FlagValues } from '../common/flags.js';
import { FlagError } from '../common/flags.js';
import { parseEndpoint, type Endpoint } from '../common/http/client.js';
import { registerMetricsRoutes } from '../common/http/metrics-routes.js';
import { createHttpServer } from '../common/http/server.js';
import { createLogger, type Logger } from '../common/log.js';
import { SystemGauges } from '../common/metrics/system.js';
import { parseAttributesText } from '../common/resources/parse.js';
import { MESOS_VERSION, versionJson } from '../master/shell/version.js';
import { Agent } from './agent.js';
import { detectResources } from './detect.js';
import { registerFilesRoutes } from './files.js';
import { AGENT_FLAGS } from './flags.js';
import { agentMetricsSnapshot } from './metrics.js';
import { registerMonitorRoutes } from './monitor.js';
import { AgentOperatorApi } from './operator-api.js';

export { AGENT_FLAGS };

export interface RunningAgent {
  address: Endpoint;
  agent: Agent;
  stop(options?: { killExecutors: boolean }): Promise<void>;
}

function flagText(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return value === undefined ? undefined : String(value);
}

export async function runAgent(flags: FlagValues, logger: Logger): Promise<RunningAgent> {
  const masterText = flagText(flags, 'master');
  if (!masterText) throw new FlagError('--master is required: the master to register with, host:port');
  const workDirText = flagText(flags, 'work_dir');
  if (!workDirText) throw new FlagError('--work_dir is required: the folder for sandboxes and checkpoints');
  let master: Endpoint;
  try {
    master = parseEndpoint(masterText);
  } catch (error) {
    throw new FlagError(`--master: ${(error as Error).message}`);
  }
  const workDir = resolve(workDirText);
  mkdirSync(workDir, { recursive: true });
  let resources;
  try {
    resources = detectResources(workDir, flagText(flags, 'resources'));
  } catch (error) {
    throw new FlagError(`--resources: ${(error as Error).message}`);
  }
  let attributes: Attribute[] = [];
  try {
    const text = flagText(flags, 'attributes');
    if (text) attributes = parseAttributesText(text);
  } catch (error) {
    throw new FlagError(`--attributes: ${(error as Error).message}`);
  }

  const ip = flagText(flags, 'ip') ?? '127.0.0.1';
  const app = createHttpServer(logger);
  app.get('/health', async (_request, reply) => reply.code(200).send());
  app.get('/version', async () => versionJson());
  const agent = new Agent(
    {
      master,
      ip,
      hostname: flagText(flags, 'hostname') ?? ip,
      port: Number(flags.port ?? 5051),
      workDir,
      resources,
      attributes,
      version: MESOS_VERSION,
      executorRegistrationTimeoutMs: Number(flags.executor_registration_timeout ?? 60_000),
      executorReregistrationTimeoutMs: Number(flags.executor_reregistration_timeout ?? 2000),
      executorShutdownGracePeriodMs: Number(flags.executor_shutdown_grace_period ?? 5000),
      recoveryTimeoutMs: Number(flags.recovery_timeout ?? 900_000),
      strict: flags.strict !== false,
      registrationBackoffMs: Number(flags.registration_backoff_factor ?? 1000),
      flags: Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, String(v)])),
    },
    logger,
  );
  // Routes must exist before listening; the port (maybe picked by the OS) is told to the agent after.
  agent.registerRoutes(app);
  const systemGauges = new SystemGauges();
  const metrics = () => agentMetricsSnapshot(agent.metricsView(), Date.now(), systemGauges);
  registerMetricsRoutes(app, metrics);
  const snapshot = () => agent.operatorSnapshot();
  const layout = () => agent.sandboxLayout();
  new AgentOperatorApi({ snapshot, layout, metrics }).registerRoutes(app);
  registerFilesRoutes(app, { snapshot, layout });
  registerMonitorRoutes(app, snapshot);
  try {
    await app.listen({ host: ip, port: Number(flags.port ?? 5051) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new FlagError(`--port: ${ip}:${String(flags.port)} is already in use`);
    if (code === 'EADDRNOTAVAIL') throw new FlagError(`--ip: ${ip} is not an address of this machine`);
    throw error;
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : Number(flags.port ?? 5051);
  agent.setPort(port);
  await agent.start();
  logger.info({ address: `${ip}:${port}`, workDir, master: masterText }, 'Agent started');
  return {
    address: { host: ip, port },
    agent,
    stop: async (options = { killExecutors: false }) => {
      await agent.stop(options);
      await app.close();
    },
  };
}

/**
 * Runs an agent until a signal. SIGTERM and SIGINT stop the agent but leave executors running, so a
 * restarted agent recovers them (as Mesos does); SIGUSR1 shuts down every executor first.
 */
export async function agentMain(flags: FlagValues): Promise<void> {
  const logger = createLogger('agent', String(flags.log_level ?? 'info'));
  const running = await runAgent(flags, logger);
  await new Promise<void>((resolveDone) => {
    let stopping = false;
    const shutdown = (signal: string, killExecutors: boolean) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, killExecutors }, 'Agent stopping');
      void running.stop({ killExecutors }).finally(resolveDone);
    };
    running.agent.onFatal = () => shutdown('master', true);
    process.once('SIGINT', () => shutdown('SIGINT', false));
    process.once('SIGTERM', () => shutdown('SIGTERM', false));
    process.once('SIGUSR1', () => shutdown('SIGUSR1', true));
  });
}
