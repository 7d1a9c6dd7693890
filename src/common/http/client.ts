/**
 * The client side of the v1 pattern: open a subscription (a POST whose response is a RecordIO
 * stream of JSON events) and send calls on other, kept-alive connections. Used by agents to reach
 * the master, by executors to reach their agent, and by the scheduler SDK.
 */
import http from 'node:http';
import { RecordIODecoder } from '../recordio.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Parses `host:port` (also `http://host:port`, `[::1]:port`); throws with a message naming the input. */
export function parseEndpoint(text: string, defaultPort = 5050): Endpoint {
  const stripped = text.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(stripped);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const [host, port, ...rest] = stripped.split(':');
  if (!host || rest.length > 0 || (port !== undefined && !/^\d{1,5}$/.test(port))) {
    throw new Error(`'${text}' is not a host:port address`);
  }
  const portNumber = port === undefined ? defaultPort : Number(port);
  if (portNumber < 1 || portNumber > 65535) throw new Error(`'${text}' has a port outside 1-65535`);
  return { host, port: portNumber };
}

export const formatEndpoint = (endpoint: Endpoint): string =>
  endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const sharedAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** Calls and plain requests time out after this long; a master that does not answer is treated as down. */
export const CALL_TIMEOUT_MS = 30_000;

export function request(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  timeoutMs = CALL_TIMEOUT_MS,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: endpoint.host, port: endpoint.port, method, path, agent: sharedAgent, headers: withLength(headers, body), timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function postJson(endpoint: Endpoint, path: string, message: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return request(endpoint, 'POST', path, JSON.stringify(message), { 'content-type': 'application/json', accept: 'application/json', ...headers });
}

function withLength(headers: Record<string, string>, body: string | undefined): Record<string, string> {
  return body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
}

export interface StreamHandlers {
  onEvent(event: unknown): void;
  /** Called once when the stream ends for any reason after it was opened. */
  onClose(error?: Error): void;
}

export interface Subscription {
  readonly headers: http.IncomingHttpHeaders;
  close(): void;
}

export class SubscribeRefusedError extends Error {
  constructor(readonly status: number, readonly body: string, readonly location?: string) {
    super(`subscription refused with ${status}: ${body}`);
    this.name = 'SubscribeRefusedError';
  }
}

/** How long a subscription may wait for its response headers before the attempt is abandoned. */
export const SUBSCRIBE_ANSWER_MS_MAX = 15_000;

/**
 * Opens a subscription. Resolves once a 200 arrives (events then flow to `onEvent`); rejects with
 * SubscribeRefusedError for any other status, or with the connection error — including when no
 * answer comes within `answerTimeoutMs` (a peer that accepts connections but is stuck, or a link
 * that drops packets), so callers retry instead of waiting forever.
 */
export function subscribe(
  endpoint: Endpoint, path: string, message: unknown, handlers: StreamHandlers, headers: Record<string, string> = {},
  answerTimeoutMs = SUBSCRIBE_ANSWER_MS_MAX,
): Promise<Subscription> {
  const body = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: endpoint.host,
      port: endpoint.port,
      method: 'POST',
      path,
      agent: false,
      headers: withLength({ 'content-type': 'application/json', accept: 'application/json', ...headers }, body),
    });
    req.on('error', reject);
    const answerTimer = setTimeout(() => req.destroy(new Error(`no answer within ${answerTimeoutMs} ms`)), answerTimeoutMs);
    answerTimer.unref();
    req.on('close', () => clearTimeout(answerTimer));
    req.on('response', (res) => {
      clearTimeout(answerTimer);
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new SubscribeRefusedError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers.location)));
        return;
      }
      req.removeListener('error', reject);
      res.socket.setNoDelay(true);
      let ended = false;
      const finish = (error?: Error) => {
        if (ended) return;
        ended = true;
        handlers.onClose(error);
      };
      const decoder = new RecordIODecoder();
      res.on('data', (chunk: Buffer) => {
        let records: Uint8Array[];
        try {
          records = decoder.decode(chunk);
        } catch (error) {
          req.destroy();
          finish(error as Error);
          return;
        }
        for (const record of records) {
          let event: unknown;
          try {
            event = JSON.parse(Buffer.from(record.buffer, record.byteOffset, record.byteLength).toString('utf8'));
          } catch (error) {
            req.destroy();
            finish(new Error(`undecodable event: ${(error as Error).message}`));
            return;
          }
          handlers.onEvent(event);
        }
      });
      res.on('end', () => finish());
      res.on('error', (error) => finish(error));
      res.on('close', () => finish());
      req.on('error', (error) => finish(error));
      resolve({ headers: res.headers, close: () => req.destroy() });
    });
    req.end(body);
  });
}
