/**
 * `meridian up`: a whole local cluster from one command — a master and two agents as child
 * processes, with state and logs under one folder. Ctrl-C shuts the agents down with their
 * executors (no task is left behind), then the master.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlagSpec, FlagValues } from '../common/flags.js';
import { request } from '../common/http/client.js';

export const UP_FLAGS: readonly FlagSpec[] = [
  { name: 'work_dir', kind: 'string', default: '.meridian', help: 'Folder for the state and logs of every process of the cluster' },
  { name: 'ip', kind: 'string', default: '127.0.0.1', help: 'Address the master and agents listen on' },
  { name: 'port', kind: 'integer', default: '5050', help: 'Port of the master; agents take the next ones' },
  { name: 'agents', kind: 'integer', default: '2', help: 'How many agents to start' },
  { name: 'agent_resources', kind: 'string', help: "Resources of each agent, e.g. 'cpus:2;mem:2048' (default: detected)" },
  { name: 'log_level', kind: 'string', default: 'info', help: 'Log level of the processes (their logs go to <work_dir>/logs)' },
];

const STARTUP_WAIT_MS = 20_000;
const AGENT_STOP_WAIT_MS = 15_000;
const MASTER_STOP_WAIT_MS = 5_000;

interface Member {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

const cliScript = (): string => fileURLToPath(new URL('../../../bin/meridian.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function startMember(name: string, args: string[], logDir: string): Member {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  // Each member leads its own process group, so a terminal's Ctrl-C reaches only `up`, which
  // then stops the members in the right order.
  const child = spawn(process.execPath, [cliScript(), ...args], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return { name, child, exited };
}

async function stopMember(member: Member, signal: NodeJS.Signals, waitMs: number): Promise<void> {
  if (member.child.exitCode !== null || member.child.signalCode !== null) return;
  member.child.kill(signal);
  const timedOut = await Promise.race([member.exited.then(() => false), sleep(waitMs).then(() => true)]);
  if (timedOut) member.child.kill('SIGKILL');
}

async function waitForAgents(master: string, count: number, deadline: number): Promise<boolean> {
  const [host, port] = master.split(':') as [string, string];
  while (Date.now() < deadline) {
    try {
      const result = await request({ host, port: Number(port) }, 'GET', '/master/slaves');
      if (result.status === 200 && (JSON.parse(result.body) as { slaves: unknown[] }).slaves.length >= count) return true;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  return false;
}

export async function upMain(flags: FlagValues): Promise<void> {
  const workDir = resolve(String(flags.work_dir ?? '.meridian'));
  const ip = String(flags.ip ?? '127.0.0.1');
  const port = Number(flags.port ?? 5050);
  const agentCount = Number(flags.agents ?? 2);
  const logLevel = String(flags.log_level ?? 'info');
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const master = `${ip}:${port}`;

  const members: Member[] = [startMember('master', ['master', `--ip=${ip}`, `--port=${port}`, `--work_dir=${join(workDir, 'master')}`, `--log_level=${logLevel}`], logDir)];
  const agents: Member[] = [];
  for (let i = 1; i <= agentCount; i++) {
    const args = ['agent', `--master=${master}`, `--ip=${ip}`, `--port=${port + i}`, `--work_dir=${join(workDir, `agent-${i}`)}`, `--log_level=${logLevel}`];
    if (flags.agent_resources !== undefined) args.push(`--resources=${String(flags.agent_resources)}`);
    agents.push(startMember(`agent-${i}`, args, logDir));
  }
  members.push(...agents);

  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the cluster: agents (and their tasks) first, then the master...\n');
    await Promise.all(agents.map((agent) => stopMember(agent, 'SIGUSR1', AGENT_STOP_WAIT_MS)));
    await stopMember(members[0] as Member, 'SIGTERM', MASTER_STOP_WAIT_MS);
    process.stdout.write('Stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => {
    if (stopping) {
      for (const member of members) member.child.kill('SIGKILL');
      process.exit(130);
    }
    void stopAll(0);
  });
  process.on('SIGTERM', () => void stopAll(0));
  for (const member of members) {
    void member.exited.then(() => {
      if (stopping) return;
      process.stderr.write(`meridian up: ${member.name} exited unexpectedly (code ${String(member.child.exitCode)}); see ${join(logDir, `${member.name}.log`)}\n`);
      void stopAll(1);
    });
  }

  const ready = await waitForAgents(master, agentCount, Date.now() + STARTUP_WAIT_MS);
  if (stopping) return;
  if (!ready) {
    process.stderr.write(`meridian up: the cluster did not come up within ${STARTUP_WAIT_MS / 1000}s; see the logs in ${logDir}\n`);
    await stopAll(1);
    return;
  }
  process.stdout.write(
    [
      `Meridian is up: master at http://${master} with ${agentCount} agents.`,
      `  Web UI:         http://${master}/`,
      `  State and logs: ${workDir}`,
      `  Cluster state:  npx meridian agents|frameworks|tasks --master ${master}   (or curl http://${master}/master/state)`,
      `  Run a task:     npx meridian run --master ${master} --name hello --command 'echo hello from Meridian'`,
      '  Ctrl-C stops the cluster and every task on it.',
      '',
    ].join('\n'),
  );
  await new Promise(() => undefined);
}
