/**
 * `npm run bench:state`: how fast the master answers for its whole state on a large cluster — the
 * v0 `GET /master/state` and the Operator API's `POST /api/v1 {"type":"GET_STATE"}` (JSON) —
 * with 20,000 agents, 2,000 frameworks and 200,000 running tasks loaded into a real master
 * process (bench/state-master.ts says how). Mesos 1.7 answered v0 `/state` at that size in about
 * 3.1 s (20k agents, 200k running and 200k completed tasks); the target is at most 1 s.
 *
 * Each endpoint is asked BENCH_REQUESTS times (default 7) after one warm-up request, one request
 * at a time, while the master's allocator keeps running; the time is from sending the request to
 * the response's last byte. The first answer of each is parsed and its agents and tasks counted,
 * so a fast wrong answer cannot pass; while it is written, `/health` is asked every 50 ms and the
 * slowest answer kept (how long the master stalls). A 501 is reported as "not implemented".
 *
 * The first answer is parsed in a child process (this script again, with `--count`): parsed here,
 * its gigabyte of objects would stay in this process's heap, and this process's own garbage
 * collection would then be timed as the master's answer (it doubled the v1 times).
 *
 * BENCH_AGENTS, BENCH_FRAMEWORKS, BENCH_TASKS_PER_AGENT and BENCH_COMPLETED_PER_AGENT change the
 * size; BENCH_ONLY=v0 (or v1) times one of the two; BENCH_CPU_PROF=<dir> writes a CPU profile of the
 * master there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile, report, type BenchResult } from './report.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 7);
/** `v0` or `v1` times only that endpoint. */
const ONLY = process.env.BENCH_ONLY;
const LOAD_TIMEOUT_MS = 20 * 60_000;
const REQUEST_TIMEOUT_MS = 120_000;
const TARGET_MS = 1000;
const HEALTH_EVERY_MS = 50;
const QUIET_MS = 5000;

interface Loaded {
  port: number;
  agents: number;
  frameworks: number;
  running: number;
  completed: number;
  loadMs: number;
}

interface Answer {
  status: number;
  ms: number;
  bytes: number;
  /** The body, kept only when asked for (to check the first answer). */
  body: Buffer | null;
}

function startMaster(): { child: ChildProcess; loaded: Promise<Loaded> } {
  const script = fileURLToPath(new URL('./state-master.js', import.meta.url));
  const profile = process.env.BENCH_CPU_PROF;
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, script], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const loaded = new Promise<Loaded>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the master did not load within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = /^READY (.*)$/m.exec(buffered);
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line[1] as string) as Loaded);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the master exited (${code ?? signal}) before it was loaded`));
    });
  });
  return { child, loaded };
}

function ask(port: number, method: 'GET' | 'POST', path: string, body: string | null, keepBody: boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== null) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    const started = performance.now();
    const request = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody) chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, bytes, body: keepBody ? Buffer.concat(chunks) : null }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

/**
 * Asks `/health` every HEALTH_EVERY_MS until stopped and keeps the slowest answer: how long the
 * master stalls other requests while it writes a large answer.
 */
function probeHealth(port: number): { stop(): void; worstMs: Promise<number> } {
  let stopped = false;
  const worstMs = (async () => {
    let worst = 0;
    while (!stopped) {
      const answer = await ask(port, 'GET', '/health', null, false);
      worst = Math.max(worst, answer.ms);
      await new Promise((resolve) => setTimeout(resolve, HEALTH_EVERY_MS));
    }
    return worst;
  })();
  return { stop: () => { stopped = true; }, worstMs };
}

/** Counts agents and tasks in an answer, to check it holds the whole cluster. */
type Counter = (json: unknown) => { agents: number; tasks: number };
type CounterName = 'v0' | 'v1';

const countV0: Counter = (json) => {
  const state = json as { slaves: unknown[]; frameworks: Array<{ tasks: unknown[]; completed_tasks: unknown[] }> };
  return { agents: state.slaves.length, tasks: state.frameworks.reduce((sum, f) => sum + f.tasks.length + f.completed_tasks.length, 0) };
};

const countGetState: Counter = (json) => {
  const state = (json as { get_state: { get_agents?: { agents?: unknown[] }; get_tasks?: { tasks?: unknown[]; completed_tasks?: unknown[] } } }).get_state;
  return { agents: state.get_agents?.agents?.length ?? 0, tasks: (state.get_tasks?.tasks?.length ?? 0) + (state.get_tasks?.completed_tasks?.length ?? 0) };
};

const COUNTERS: Record<CounterName, Counter> = { v0: countV0, v1: countGetState };

/** Counts an answer's agents and tasks in a child process (see the file's header). */
function countInChild(answer: Buffer, counter: CounterName): Promise<{ agents: number; tasks: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--count', counter], { stdio: ['pipe', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(output) as { agents: number; tasks: number });
      else reject(new Error(`counting the answer failed (exit ${code})`));
    });
    child.stdin.end(answer);
  });
}

/** `--count v0|v1`: reads an answer on stdin and prints its counts. */
async function countStdin(counter: CounterName): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  process.stdout.write(JSON.stringify(COUNTERS[counter](JSON.parse(Buffer.concat(chunks).toString('utf8')))));
}

async function measure(
  scenario: string, loaded: Loaded, method: 'GET' | 'POST', path: string, body: string | null, counter: CounterName,
): Promise<BenchResult[]> {
  // The machine is shared: the load average says how much of it the run had.
  const params = {
    agents: loaded.agents, frameworks: loaded.frameworks, running_tasks: loaded.running, completed_tasks: loaded.completed, requests: REQUESTS,
    load_average_1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
  const probe = probeHealth(loaded.port);
  const first = await ask(loaded.port, method, path, body, true).finally(() => probe.stop());
  const healthMs = await probe.worstMs;
  if (first.status === 501) {
    process.stdout.write(`${scenario}: not implemented (501: ${first.body?.toString('utf8').slice(0, 200)})\n`);
    return [{ scenario, metric: 'not implemented (501)', unit: '', median: Number.NaN, params }];
  }
  if (first.status !== 200) throw new Error(`${scenario}: ${first.status} ${first.body?.toString('utf8').slice(0, 500)}`);
  const counted = await countInChild(first.body as Buffer, counter);
  first.body = null;
  if (counted.agents !== loaded.agents || counted.tasks !== loaded.running + loaded.completed) {
    throw new Error(`${scenario}: the answer holds ${counted.agents} agents and ${counted.tasks} tasks, the master ${loaded.agents} and ${loaded.running + loaded.completed}`);
  }
  const times: number[] = [];
  let bytes = first.bytes;
  for (let i = 0; i < REQUESTS; i++) {
    const answer = await ask(loaded.port, method, path, body, false);
    if (answer.status !== 200) throw new Error(`${scenario}: request ${i} answered ${answer.status}`);
    times.push(answer.ms);
    bytes = answer.bytes;
    process.stdout.write(`${scenario}: ${Math.round(answer.ms)} ms, ${(answer.bytes / 2 ** 20).toFixed(1)} MiB\n`);
  }
  return [
    { scenario, metric: 'response time', unit: 'ms', median: percentile(times, 50), p99: percentile(times, 99), target: `≤ ${TARGET_MS} ms (Mesos 1.7: ~3,100 ms for v0 /state)`, params: { ...params, first_ms: Math.round(first.ms) } },
    { scenario, metric: 'response size', unit: 'MiB', median: bytes / 2 ** 20, params },
    { scenario, metric: 'slowest /health during the first (cold) answer', unit: 'ms', median: healthMs, params },
  ];
}

async function main(): Promise<void> {
  const { child, loaded: loading } = startMaster();
  try {
    const loaded = await loading;
    process.stdout.write(`loaded ${loaded.agents} agents, ${loaded.frameworks} frameworks, ${loaded.running} running and ${loaded.completed} completed tasks in ${(loaded.loadMs / 1000).toFixed(1)} s\n`);
    // The baseline: how long /health waits while the master only allocates and expires offers.
    const quiet = probeHealth(loaded.port);
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    quiet.stop();
    const results: BenchResult[] = [{
      scenario: 'no state request', metric: `slowest /health over ${QUIET_MS / 1000} s`, unit: 'ms', median: await quiet.worstMs,
      params: { agents: loaded.agents, frameworks: loaded.frameworks, running_tasks: loaded.running },
    }];
    if (ONLY !== 'v1') results.push(...(await measure('GET /master/state', loaded, 'GET', '/master/state', null, 'v0')));
    if (ONLY !== 'v0') results.push(...(await measure('POST /api/v1 GET_STATE', loaded, 'POST', '/api/v1', JSON.stringify({ type: 'GET_STATE' }), 'v1')));
    report('state', results);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  }
}

const counting = process.argv.indexOf('--count');
(counting >= 0 ? countStdin(process.argv[counting + 1] as CounterName) : main()).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
