/**
 * How the CLI views reach the master: Operator API calls (`POST /api/v1`) and plain GETs
 * (metrics, agent endpoints the master passes on), trying each `--master` address in turn and
 * following a standby's 307 to the leader, which is then asked first. Two kinds of failure reach
 * the caller: the master could not be reached (MasterUnreachableError), or it answered with
 * something other than 200 (MasterAnswerError, with its status and text).
 */
import { formatEndpoint, parseEndpoint, request, type Endpoint, type HttpResult } from '../../common/http/client.js';
import { FlagError } from '../../common/flags.js';

/** Redirects from standbys followed for one request before giving up. */
const REDIRECTS_MAX = 3;
/** The master answers these from memory; a slower answer means it is unwell. */
export const ANSWER_TIMEOUT_MS = 15_000;

export class MasterUnreachableError extends Error {
  override name = 'MasterUnreachableError';
}

export class MasterAnswerError extends Error {
  override name = 'MasterAnswerError';

  constructor(readonly status: number, readonly text: string, what: string) {
    super(`${what}: the master answered ${status}${text.trim() === '' ? '' : `: ${text.trim()}`}`);
  }
}

/**
 * Parses `--master`: `host:port`, or several separated by commas (tried in order). Throws a
 * FlagError naming the flag. ZooKeeper and etcd addresses are for masters and agents, which
 * take part in the election; the CLI asks a master directly.
 */
export function parseMasters(text: string): Endpoint[] {
  if (/^[a-z]+:\/\//i.test(text.trim()) && !/^https?:\/\//i.test(text.trim())) {
    throw new FlagError(`--master: '${text}' is not supported here; give the master's host:port (several separated by commas)`);
  }
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) throw new FlagError(`--master: '${text}' has an empty address`);
  return parts.map((part) => {
    try {
      return parseEndpoint(part);
    } catch (error) {
      throw new FlagError(`--master: ${(error as Error).message}`);
    }
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export class MasterClient {
  /** The master that answered last (the leader after a redirect): asked first next time. */
  private preferred: Endpoint | null = null;

  constructor(private readonly masters: readonly Endpoint[], private readonly timeoutMs = ANSWER_TIMEOUT_MS) {}

  /** The master being asked, for messages. */
  describe(): string {
    return formatEndpoint(this.preferred ?? (this.masters[0] as Endpoint));
  }

  /** An Operator API call without arguments (`GET_STATE`, ...); resolves with the body under its key (`get_state`). */
  async call<T>(type: string): Promise<T> {
    const answer = await this.send('POST', '/api/v1', JSON.stringify({ type }));
    if (answer.status !== 200) throw new MasterAnswerError(answer.status, answer.body, type);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      throw new MasterAnswerError(answer.status, 'the answer is not JSON', type);
    }
    return ((parsed as Record<string, unknown>)[type.toLowerCase()] ?? {}) as T;
  }

  /** A GET of a master endpoint; resolves with any answer (the caller reads the status). */
  get(path: string): Promise<HttpResult> {
    return this.send('GET', path);
  }

  /** A GET whose answer must be 200 JSON. */
  async getJson<T>(path: string): Promise<T> {
    const answer = await this.get(path);
    if (answer.status !== 200) throw new MasterAnswerError(answer.status, answer.body, `GET ${path}`);
    try {
      return JSON.parse(answer.body) as T;
    } catch {
      throw new MasterAnswerError(answer.status, 'the answer is not JSON', `GET ${path}`);
    }
  }

  private async send(method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResult> {
    const candidates = this.preferred ? [this.preferred, ...this.masters.filter((m) => !sameEndpoint(m, this.preferred as Endpoint))] : this.masters;
    const failures: string[] = [];
    for (const candidate of candidates) {
      try {
        return await this.sendFollowingRedirects(candidate, method, path, body);
      } catch (error) {
        failures.push(`${formatEndpoint(candidate)} (${(error as Error).message})`);
      }
    }
    this.preferred = null;
    throw new MasterUnreachableError(`cannot reach the master at ${failures.join(', ')}`);
  }

  private async sendFollowingRedirects(start: Endpoint, method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResult> {
    let endpoint = start;
    for (let redirects = 0; ; redirects++) {
      const headers = method === 'POST' ? JSON_HEADERS : { accept: 'application/json' };
      const answer = await request(endpoint, method, path, body, headers, this.timeoutMs);
      const location = answer.headers.location;
      if (answer.status !== 307 || location === undefined || redirects === REDIRECTS_MAX) {
        this.preferred = endpoint;
        return answer;
      }
      // A standby names the leader as `//host:port/...` (or with a scheme), as Mesos does.
      endpoint = parseEndpoint(location.replace(/^\/\//, ''), endpoint.port);
    }
  }
}

const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => a.host === b.host && a.port === b.port;
