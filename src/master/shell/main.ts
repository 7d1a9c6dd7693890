/**
 * Starting and stopping a master process: flags in, an HTTP server with the scheduler API, the
 * agent link, the Operator API and the state endpoints out.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { SeededRng } from '../../common/rng.js';
import { SystemClock } from '../../common/clock.js';
import { FlagError, type FlagValues } from '../../common/flags.js';
import { registerMetricsRoutes } from '../../common/http/metrics-routes.js';
import { createHttpServer } from '../../common/http/server.js';
import type { Endpoint } from '../../common/http/client.js';
import { createLogger, type Logger } from '../../common/log.js';
import { DrfAllocator } from '../../allocator/drf-allocator.js';
import { MasterCore } from '../core/master-core.js';
import { MasterShell } from './master-shell.js';
import { registerAllocationRoutes } from './allocation-explain.js';
import { registerAgentProxyRoutes, registeredAgentAddress } from './agent-proxy.js';
import { registerUiFiles } from './ui-files.js';
import { OperatorApi } from './operator-api.js';
import { OperatorEvents } from './operator-events.js';
import { OperatorStateWriter } from './operator-state.js';
import { GONE_AGENTS_FILE, GoneAgentsStore } from './gone-agents-store.js';
import { AGENT_REGISTRY_FILE, AgentRegistryStore } from './agent-registry-store.js';
import { QUOTA_FILE, QuotaStore } from './quota-store.js';
import { parseExcludedResourceNames, parseMinAllocatable } from './allocator-flags.js';
import { masterMetricsSnapshot } from './metrics.js';
import { flagTexts, type MasterIdentity } from './state-json.js';
import { MasterStateWriter } from './state-writer.js';
import { registerStateRoutes } from './state-routes.js';
import { MASTER_FLAGS } from './flags.js';
import { MESOS_VERSION, versionJson } from './version.js';
import { recoverWeights, WEIGHTS_FILE, WeightsStore } from './weights-store.js';

export { MASTER_FLAGS };

export interface RunningMaster {
  address: Endpoint;
  masterId: string;
  /** The shell around the core; benchmarks step inputs through it to load a large cluster in-process. */
  shell: MasterShell;
  stop(): Promise<void>;
}

/** Packs an IPv4 address into the uint32 Mesos puts in MasterInfo.ip (network byte order read as little-endian, as Mesos does). */
export function packIpv4(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return 0;
  return ((parts[3] as number) << 24 >>> 0) + ((parts[2] as number) << 16) + ((parts[1] as number) << 8) + (parts[0] as number);
}

export async function runMaster(flags: FlagValues, logger: Logger): Promise<RunningMaster> {
  const ip = String(flags.ip ?? '127.0.0.1');
  // Without --work_dir there is nowhere to keep weights: they live in memory only. A bad weights
  // file stops the start here, before anything listens.
  const weightsStore = flags.work_dir !== undefined ? new WeightsStore(join(String(flags.work_dir), WEIGHTS_FILE)) : null;
  const weights = await recoverWeights(weightsStore, flags.weights === undefined ? undefined : String(flags.weights), logger);
  const allocatorOptions = {
    minAllocatable: parseMinAllocatable(String(flags.min_allocatable_resources ?? 'cpus:0.01|mem:32')),
    fairSharingExcludedResourceNames: flags.fair_sharing_excluded_resource_names === undefined ? [] : parseExcludedResourceNames(String(flags.fair_sharing_excluded_resource_names)),
  };
  const quotaStore = flags.work_dir !== undefined ? new QuotaStore(join(String(flags.work_dir), QUOTA_FILE)) : null;
  const quotas = quotaStore?.load() ?? [];
  const goneAgentsStore = flags.work_dir !== undefined ? new GoneAgentsStore(join(String(flags.work_dir), GONE_AGENTS_FILE)) : null;
  const goneAgents = goneAgentsStore?.load() ?? [];
  const agentReregisterTimeoutMs = Number(flags.agent_reregister_timeout ?? 600_000);
  if (!(agentReregisterTimeoutMs > 0)) throw new FlagError(`--agent_reregister_timeout: must be a positive duration, not '${String(flags.agent_reregister_timeout)}'`);
  const registryMaxAgentAgeMs = Number(flags.registry_max_agent_age ?? 14 * 86_400_000);
  if (!(registryMaxAgentAgeMs > 0)) throw new FlagError(`--registry_max_agent_age: must be a positive duration, not '${String(flags.registry_max_agent_age)}'`);
  const registryMaxAgentCount = Number(flags.registry_max_agent_count ?? 102_400);
  if (!(registryMaxAgentCount >= 0)) throw new FlagError(`--registry_max_agent_count: must be 0 or more, not '${String(flags.registry_max_agent_count)}'`);
  const registryGcIntervalMs = Number(flags.registry_gc_interval ?? 900_000);
  if (!(registryGcIntervalMs > 0)) throw new FlagError(`--registry_gc_interval: must be a positive duration, not '${String(flags.registry_gc_interval)}'`);
  // A damaged registry stops the start here, naming the file and line.
  const agentRegistry = flags.work_dir !== undefined ? new AgentRegistryStore(join(String(flags.work_dir), AGENT_REGISTRY_FILE)) : null;
  const recoveredRegistry = agentRegistry?.load() ?? { admitted: [], unreachable: [] };
  const app = createHttpServer(logger);
  const masterId = randomUUID();
  const clock = new SystemClock();
  const startTimeMs = clock.nowMs();
  const offerTimeoutMs = Number(flags.offer_timeout ?? 60_000);

  // The port is known only after listen (it may be 0), so routes that need it read `identity` late.
  const identity: MasterIdentity = {
    version: MESOS_VERSION,
    buildDate: new Date(startTimeMs).toISOString(),
    startTimeMs,
    electedTimeMs: startTimeMs,
    pid: '',
    hostname: String(flags.hostname ?? ip),
    flags: flagTexts(MASTER_FLAGS, flags),
  };
  let shell: MasterShell | null = null;

  app.get('/health', async (_request, reply) => reply.code(200).send());
  app.get('/version', async () => versionJson());

  let address: Endpoint = { host: ip, port: Number(flags.port ?? 5050) };
  const core = new MasterCore(
    {
      masterId,
      masterInfo: { id: masterId, ip: packIpv4(ip), port: 0, hostname: identity.hostname, version: MESOS_VERSION },
      heartbeatIntervalSeconds: Number(flags.heartbeat_interval ?? 15_000) / 1000,
      agentPingTimeoutMs: Number(flags.agent_ping_timeout ?? 15_000),
      maxAgentPingTimeouts: Number(flags.max_agent_ping_timeouts ?? 5),
      offerTimeoutMs: offerTimeoutMs > 0 ? offerTimeoutMs : null,
      maxCompletedFrameworks: Number(flags.max_completed_frameworks ?? 50),
      maxCompletedTasksPerFramework: Number(flags.max_completed_tasks_per_framework ?? 1000),
      agentReregisterTimeoutMs,
      registryMaxAgentAgeMs,
      registryMaxAgentCount,
      registryGcIntervalMs,
    },
    new DrfAllocator(new SeededRng(startTimeMs >>> 0), allocatorOptions),
  );
  shell = new MasterShell(core, clock, logger, {
    heartbeatIntervalMs: Number(flags.heartbeat_interval ?? 15_000),
    allocationIntervalMs: Number(flags.allocation_interval ?? 1000),
    agentPingTimeoutMs: Number(flags.agent_ping_timeout ?? 15_000),
    registry: agentRegistry,
    onRegistryFailure: (error) => {
      logger.fatal({ err: error }, 'Registry write failed: exiting');
      process.exit(1);
    },
  });
  shell.registerRoutes(app);
  const shellMetrics = shell.metrics;
  const metricsSnapshot = () => masterMetricsSnapshot({ core, shell: shellMetrics, startTimeMs }, clock.nowMs());
  registerMetricsRoutes(app, metricsSnapshot);
  const operatorState = new OperatorStateWriter(core);
  const operatorEvents = new OperatorEvents(core, operatorState, shellMetrics, {
    heartbeatIntervalMs: Number(flags.heartbeat_interval ?? 15_000),
    subscribersMax: Number(flags.max_operator_event_stream_subscribers ?? 1000),
  });
  shell.stateObserver = operatorEvents;
  const operatorApi = new OperatorApi(shell, logger, {
    weightsStore, quotaStore, goneAgentsStore, identity, flags, flagSpecs: MASTER_FLAGS, metrics: metricsSnapshot, stateWriter: operatorState, events: operatorEvents,
  });
  operatorApi.registerRoutes(app);
  const legacyState = new MasterStateWriter(core);
  registerAllocationRoutes(app, core, clock, legacyState);
  registerStateRoutes(app, { core, writer: legacyState, clock, identity, address: () => ({ hostname: identity.hostname, port: address.port }) });
  registerAgentProxyRoutes(app, registeredAgentAddress(core));
  registerUiFiles(app);
  // Saved weights are in force before the first request is served.
  if (weights.length > 0) shell.step({ kind: 'update-weights', weights });
  // Saved quota was checked when it was set; agents come back after a restart, so no capacity check now.
  if (quotas.length > 0) shell.step({ kind: 'update-quota', update: quotas });
  // Agents admitted before a restart wait for their agents to reregister; unreachable ones stay so.
  shell.step({ kind: 'recover-registry', ...recoveredRegistry });
  // Agents marked gone stay refused across restarts (and leave the registry, if a crash left them in it).
  for (const agentId of goneAgents) shell.step({ kind: 'mark-agent-gone', agentId });

  try {
    await app.listen({ host: ip, port: address.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`--port: ${ip}:${address.port} is already in use`, { cause: error });
    if (code === 'EADDRNOTAVAIL') throw new Error(`--ip: ${ip} is not an address of this machine`, { cause: error });
    throw error;
  }
  const bound = app.server.address();
  address = { host: ip, port: typeof bound === 'object' && bound ? bound.port : address.port };
  identity.pid = `master@${ip}:${address.port}`;
  Object.assign(core.options.masterInfo, {
    port: address.port,
    pid: identity.pid,
    address: { hostname: identity.hostname, ip, port: address.port },
  });
  if (flags.work_dir !== undefined) {
    mkdirSync(String(flags.work_dir), { recursive: true });
    writeFileSync(join(String(flags.work_dir), 'master.address'), `${ip}:${address.port}\n`);
  }
  shell.start();
  logger.info({ masterId, address: `${ip}:${address.port}`, host: osHostname() }, 'Master started');
  return {
    address,
    masterId,
    shell,
    stop: async () => {
      operatorApi.stop();
      shell?.stop();
      await app.close();
      await agentRegistry?.close();
    },
  };
}

/** Runs a master until SIGINT or SIGTERM. */
export async function masterMain(flags: FlagValues): Promise<void> {
  const logger = createLogger('master', String(flags.log_level ?? 'info'));
  const master = await runMaster(flags, logger);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'Master stopping');
      void master.stop().finally(resolve);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
