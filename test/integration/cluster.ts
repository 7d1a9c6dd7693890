/**
 * Starts a real cluster for integration tests: a master and agents as separate processes of
 * `bin/meridian.js` on 127.0.0.1 with ephemeral ports, each under one temporary folder. Every
 * process (and each agent's executor host) is stopped by PID in `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from '../../src/common/http/client.js';

const CLI = fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A deadline to race against: its timer does not keep the test process alive once everything else is done. */
const raceTimeout = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface ClusterProcess {
  child: ChildProcess;
  workDir: string;
  logFile: string;
  exited: Promise<void>;
}

export interface AgentProcess extends ClusterProcess {
  index: number;
  args: string[];
}

export interface ClusterOptions {
  agents?: number;
  agentResources?: string;
  masterFlags?: string[];
  agentFlags?: string[];
  /** Log level of every process (and the executor hosts); tests keep debug logs for post-mortems. */
  logLevel?: string;
}

function launch(args: string[], workDir: string, logFile: string, logLevel = 'debug'): ClusterProcess {
  const log = openSync(logFile, 'a');
  // MERIDIAN_TEST_NODE_ARGS lets a run profile the processes (e.g. --cpu-prof).
  const nodeArgs = (process.env.MERIDIAN_TEST_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', log, log], env: { ...process.env, MERIDIAN_LOG_LEVEL: logLevel } });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, workDir, logFile, exited };
}

export class TestCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'meridian-it-'));
  master!: ClusterProcess;
  masterAddress = '';
  readonly agents: AgentProcess[] = [];
  private readonly extraPids = new Set<number>();

  constructor(private readonly options: ClusterOptions = {}) {}

  async start(): Promise<this> {
    try {
      this.launchMaster('0');
      this.masterAddress = await waitFor('the master address', () => {
        const file = join(this.root, 'master', 'master.address');
        return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
      });
      for (let i = 0; i < (this.options.agents ?? 2); i++) this.startAgent(i);
      await this.waitForAgents(this.options.agents ?? 2);
      return this;
    } catch (error) {
      // A cluster that failed to start leaves nothing running: a test's after() may never see it.
      await this.stop();
      throw error;
    }
  }

  /** Kills the master (SIGKILL) and starts a new one on the same address; agents and frameworks reconnect. */
  async restartMaster(): Promise<void> {
    this.master.child.kill('SIGKILL');
    await this.master.exited;
    this.launchMaster(this.masterAddress.split(':')[1] as string);
  }

  /** Fast pings and allocations, so losses are noticed within seconds. */
  private launchMaster(port: string): void {
    const masterDir = join(this.root, 'master');
    this.master = launch(
      ['master', `--port=${port}`, `--work_dir=${masterDir}`, '--allocation_interval=100ms', '--agent_ping_timeout=1secs', '--max_agent_ping_timeouts=5', ...(this.options.masterFlags ?? [])],
      masterDir,
      join(this.root, 'master.log'),
      this.options.logLevel,
    );
  }

  startAgent(index: number, port = 0): AgentProcess {
    const workDir = join(this.root, `agent-${index}`);
    const args = [
      'agent', `--master=${this.masterAddress}`, `--port=${port}`, `--work_dir=${workDir}`, '--registration_backoff_factor=100ms',
      `--resources=${this.options.agentResources ?? 'cpus:4;mem:4096;disk:4096;ports:[31000-32000]'}`,
      ...(this.options.agentFlags ?? []),
    ];
    const agent = { ...launch(args, workDir, join(this.root, `agent-${index}.log`), this.options.logLevel), index, args };
    this.agents[index] = agent;
    return agent;
  }

  /** The master's host and port, for requests of any kind. */
  masterEndpoint(): { host: string; port: number } {
    const [host, port] = this.masterAddress.split(':') as [string, string];
    return { host, port: Number(port) };
  }

  async get<T>(path: string): Promise<T> {
    const result = await request(this.masterEndpoint(), 'GET', path);
    if (result.status !== 200) throw new Error(`GET ${path}: ${result.status} ${result.body}`);
    return JSON.parse(result.body) as T;
  }

  async slaves(): Promise<Array<{ id: string; pid: string; active: boolean; hostname: string; port?: number }>> {
    return (await this.get<{ slaves: Array<{ id: string; pid: string; active: boolean; hostname: string; port?: number }> }>('/master/slaves')).slaves;
  }

  async waitForAgents(count: number): Promise<void> {
    await waitFor(`${count} active agents`, async () => {
      const slaves = await this.slaves().catch(() => []); // The master may still be starting.
      return slaves.filter((s) => s.active).length >= count ? true : undefined;
    });
  }

  /** The executor host of an agent, from its checkpoint; tests kill it in `stop()` too. */
  executorHostPid(index: number): number | undefined {
    const file = join(this.root, `agent-${index}`, 'meta', 'executor-host.json');
    if (!existsSync(file)) return undefined;
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid;
    if (pid) this.extraPids.add(pid);
    return pid;
  }

  async stop(): Promise<void> {
    for (const agent of this.agents) if (agent) this.executorHostPid(agent.index);
    await Promise.all(this.agents.filter(Boolean).map(async (agent) => {
      if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
      agent.child.kill('SIGUSR1');
      await Promise.race([agent.exited, raceTimeout(8000)]);
      agent.child.kill('SIGKILL');
    }));
    for (const pid of this.extraPids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await sleep(200);
    for (const pid of this.extraPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (this.master && this.master.child.exitCode === null) {
      this.master.child.kill('SIGTERM');
      await Promise.race([this.master.exited, raceTimeout(3000)]);
      this.master.child.kill('SIGKILL');
      await this.master.exited;
    }
    if (process.env.MERIDIAN_KEEP_TEST_DIRS) {
      process.stderr.write(`kept ${this.root}\n`);
      return;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
