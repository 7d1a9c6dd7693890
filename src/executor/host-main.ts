/**
 * Entry point of the executor host (`meridian executor-host`, or `node dist/src/executor/host-main.js`).
 * The agent starts it detached, with its settings in the environment:
 *
 *   MERIDIAN_AGENT_ENDPOINT       host:port of the agent (required)
 *   MERIDIAN_HOST_ID              the id the agent gave this host (required)
 *   MERIDIAN_RECOVERY_TIMEOUT_MS  how long to wait for an agent that went away (default 900000)
 *   MERIDIAN_LOG_LEVEL            pino level (default info); logs go to stderr
 *
 * SIGTERM or SIGINT shut the host down as the agent's SHUTDOWN does; a second one abandons the
 * tasks at once (SIGKILL).
 */
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { SystemClock } from '../common/clock.js';
import { parseEndpoint } from '../common/http/client.js';
import { createLogger } from '../common/log.js';
import { ExecutorHost, RECOVERY_TIMEOUT_DEFAULT_MS, type ExecutorHostConfig } from './executor-host.js';

/** Exit code when the environment does not configure the host. */
const EXIT_CODE_USAGE = 2;
/** A host that is done but still has something keeping Node alive is made to exit after this. */
const EXIT_LINGER_MAX_MS = 2_000;
const AGENT_PORT_DEFAULT = 5051;

/** The host's settings, or why the environment does not give them. */
export type HostConfigResult = { ok: true; config: ExecutorHostConfig } | { ok: false; error: string };

/** Reads the host's settings; the error names the variable. */
export function hostConfigFromEnvironment(env: Readonly<Record<string, string | undefined>>): HostConfigResult {
  const endpointText = env.MERIDIAN_AGENT_ENDPOINT;
  if (endpointText === undefined || endpointText.trim() === '') return { ok: false, error: 'MERIDIAN_AGENT_ENDPOINT is not set' };
  let agent;
  try {
    agent = parseEndpoint(endpointText, AGENT_PORT_DEFAULT);
  } catch (error) {
    return { ok: false, error: `MERIDIAN_AGENT_ENDPOINT: ${(error as Error).message}` };
  }
  const hostId = env.MERIDIAN_HOST_ID;
  if (hostId === undefined || hostId.trim() === '') return { ok: false, error: 'MERIDIAN_HOST_ID is not set' };
  const timeoutText = env.MERIDIAN_RECOVERY_TIMEOUT_MS;
  let recoveryTimeoutMs = RECOVERY_TIMEOUT_DEFAULT_MS;
  if (timeoutText !== undefined && timeoutText.trim() !== '') {
    if (!/^\d+$/.test(timeoutText.trim()) || Number(timeoutText) <= 0) {
      return { ok: false, error: `MERIDIAN_RECOVERY_TIMEOUT_MS '${timeoutText}' is not a positive whole number of milliseconds` };
    }
    recoveryTimeoutMs = Number(timeoutText);
  }
  // A plain copy: reading process.env goes through the runtime on every access, and each task reads it all.
  return { ok: true, config: { agent, hostId, recoveryTimeoutMs, inheritedEnvironment: { ...env } } };
}

/** Runs the host until it is done (SHUTDOWN handled, or the agent gone past the recovery timeout). */
export async function executorHostMain(): Promise<void> {
  const log = createLogger('executor-host');
  const configured = hostConfigFromEnvironment(process.env);
  if (!configured.ok) {
    log.fatal({ error: configured.error }, 'cannot start the executor host');
    process.exitCode = EXIT_CODE_USAGE;
    return;
  }
  const host = new ExecutorHost(configured.config, log, new SystemClock());
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) host.shutdown(`received ${signal}`);
    else host.abandon(`received ${signal} again`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const code = await host.run();
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.exitCode = code;
  // Everything is closed by now; should a stray handle keep Node alive, the host still goes.
  setTimeout(() => process.exit(code), EXIT_LINGER_MAX_MS).unref();
}

function isProcessEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(fs.realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isProcessEntry()) {
  executorHostMain().catch((error: unknown) => {
    process.stderr.write(`executor-host: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
