/**
 * A real Prometheus server for integration tests: Debian's `prometheus` package (installed by
 * scripts/ensure-debian.js when missing), started on 127.0.0.1 with a free port, a temporary
 * config that scrapes the given targets every second, and temporary storage; stopped by PID and
 * its folder removed in `stop()`. Its HTTP API (`/api/v1/...`) is read with plain GETs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, type Endpoint } from '../../src/common/http/client.js';
import { sleep } from './cluster.js';

export const PROMETHEUS_PATH = '/usr/bin/prometheus';
const ENSURE_DEBIAN = fileURLToPath(new URL('../../../scripts/ensure-debian.js', import.meta.url));
/** apt on a cold cache can take minutes; past this something is broken. */
const INSTALL_TIMEOUT_MS = 15 * 60 * 1000;
/** Prometheus opens its storage and answers /-/ready within a few seconds here. */
const READY_TIMEOUT_MS = 30_000;
/** A free port can be taken by someone else before Prometheus binds it; then it is tried again. */
const START_ATTEMPTS_MAX = 3;
const STOP_GRACE_MS = 10_000;

/** One job of the scrape config: a name and the `host:port` it scrapes at `/metrics`. */
export interface ScrapeTarget {
  job: string;
  target: string;
}

/** One series of an instant query's answer: its labels and its value as Prometheus writes it. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * Installs Debian's prometheus when it is missing. A machine that cannot reach Debian's mirror
 * fails here with the reason, so the test fails instead of passing without a Prometheus.
 */
export function ensurePrometheusInstalled(): void {
  const ensured = spawnSync(process.execPath, [ENSURE_DEBIAN, 'prometheus'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: INSTALL_TIMEOUT_MS });
  if (ensured.error || ensured.status !== 0) {
    throw new Error(`scripts/ensure-debian.js prometheus failed (${ensured.error?.message ?? `exit ${ensured.status}`}): this test needs Debian's prometheus package`);
  }
}

/** A port the kernel says is free now (closed again at once, so Prometheus can take it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the kernel');
  return address.port;
}

function scrapeConfig(targets: readonly ScrapeTarget[]): string {
  const jobs = targets.map(({ job, target }) => [
    `  - job_name: ${JSON.stringify(job)}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
  ].join('\n'));
  return ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s', 'scrape_configs:', ...jobs, ''].join('\n');
}

export class PrometheusServer {
  readonly root = mkdtempSync(join(tmpdir(), 'meridian-prometheus-'));
  readonly logFile = join(this.root, 'prometheus.log');
  endpoint: Endpoint = { host: '127.0.0.1', port: 0 };
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly targets: readonly ScrapeTarget[]) {}

  /** Starts Prometheus and waits until it is ready to answer queries. */
  async start(): Promise<this> {
    writeFileSync(join(this.root, 'prometheus.yml'), scrapeConfig(this.targets));
    for (let attempt = 1; ; attempt++) {
      this.endpoint = { host: '127.0.0.1', port: await freePort() };
      this.launch();
      if (await this.waitReady()) return this;
      await this.stopProcess();
      if (attempt >= START_ATTEMPTS_MAX) throw new Error(`Prometheus did not become ready on ${attempt} ports; its log:\n${this.log()}`);
    }
  }

  private launch(): void {
    const log = openSync(this.logFile, 'a');
    const child = spawn(PROMETHEUS_PATH, [
      `--config.file=${join(this.root, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(this.root, 'data')}`,
      `--web.listen-address=${this.endpoint.host}:${this.endpoint.port}`,
      '--log.level=info',
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** True once /-/ready answers 200; false when the process ends first or the wait times out. */
  private async waitReady(): Promise<boolean> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.running()) return false;
      const ready = await request(this.endpoint, 'GET', '/-/ready').catch(() => null);
      if (ready?.status === 200) return true;
      await sleep(200);
    }
    return false;
  }

  private running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Prometheus' own log, for failure messages. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '(no log)';
    }
  }

  /** GETs `path` of the HTTP API and returns its `data`; an error status or answer throws with the body. */
  async api<T>(path: string): Promise<T> {
    const result = await request(this.endpoint, 'GET', path);
    const body = JSON.parse(result.body) as { status: string; data?: T; error?: string };
    if (result.status !== 200 || body.status !== 'success') throw new Error(`GET ${path}: ${result.status} ${result.body}`);
    return body.data as T;
  }

  /** An instant PromQL query's vector. */
  async query(promql: string): Promise<PromSample[]> {
    const data = await this.api<{ resultType: string; result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    if (data.resultType !== 'vector') throw new Error(`${promql}: a ${data.resultType}, not a vector`);
    return data.result;
  }

  /** Stops Prometheus by its PID (SIGTERM, then SIGKILL after a grace) and removes its folder. */
  async stop(): Promise<void> {
    await this.stopProcess();
    if (process.env.MERIDIAN_KEEP_TEST_DIRS) {
      process.stderr.write(`kept ${this.root}\n`);
      return;
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  private async stopProcess(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (this.running()) {
      child.kill('SIGTERM');
      // Unref'd, so a quick exit does not leave the test process waiting out the grace.
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
      if (this.running()) child.kill('SIGKILL');
    }
    await this.exited;
    this.child = null;
  }
}
