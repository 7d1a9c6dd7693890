/**
 * `meridian why FRAMEWORK_ID`: why a framework is (not) getting offers. It asks the master's
 * `GET /master/frameworks/<id>/allocation` and prints, per role, the one-line summary and the
 * breakdown of the agents (available, filtered by the framework's declines, fully allocated,
 * reserved for other roles, below the minimum) as aligned tables; `--json` prints the answer as is.
 * Exit codes: 0 answered, 1 the master refused (unknown framework, role not the framework's) or
 * could not be reached; bad flags are FlagErrors naming the flag (the CLI exits 2 on them).
 */
import { FlagError, type FlagSpec, type FlagValues } from '../common/flags.js';
import { formatEndpoint, parseEndpoint, request, type Endpoint, type HttpResult } from '../common/http/client.js';
import { validateRole } from '../master/core/roles.js';

export const WHY_FLAGS: FlagSpec[] = [
  { name: 'master', kind: 'string', default: '127.0.0.1:5050', help: 'The master to ask, host:port (a standby redirects to the leader)' },
  { name: 'role', kind: 'string', help: 'Explain only this role of the framework (default: every role it is in)' },
  { name: 'json', kind: 'boolean', default: 'false', help: 'Print the master\'s JSON answer instead of tables' },
];

export interface WhyOptions {
  master: Endpoint;
  frameworkId: string;
  role?: string;
  json: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT_ANSWERED = 0;
export const EXIT_REFUSED = 1;
/** Redirects from standbys followed before giving up. */
const REDIRECTS_MAX = 3;
/** The master answers from memory; a slow answer means it is unwell. */
const ANSWER_TIMEOUT_MS = 10_000;

/** Converts the values of WHY_FLAGS into WhyOptions; throws FlagError naming the flag. */
export function whyOptionsFromFlags(frameworkId: string, values: FlagValues, out: WhyOptions['out'], err: WhyOptions['err']): WhyOptions {
  let master: Endpoint;
  try {
    master = parseEndpoint(String(values.master ?? '127.0.0.1:5050'));
  } catch (error) {
    throw new FlagError(`--master: ${(error as Error).message}`);
  }
  if (frameworkId.trim() === '') throw new FlagError('FRAMEWORK_ID: must not be empty');
  const options: WhyOptions = { master, frameworkId, json: values.json === true, out, err };
  if (values.role !== undefined) {
    const role = String(values.role);
    const problem = validateRole(role);
    if (problem) throw new FlagError(`--role: ${problem}`);
    options.role = role;
  }
  return options;
}

/** The answer of the allocation endpoint, as far as the tables use it. */
interface AllocationAnswer {
  framework_id: string;
  name: string;
  roles: Array<{
    role: string;
    summary: string;
    offered_last_run: number;
    outstanding_offers: { count: number; cpus: number; mem: number };
    agents: { total: number; available: number; filtered: number; fully_allocated: number; reserved_for_other_roles: number; below_minimum: number };
  }>;
}

/** Runs `meridian why`; resolves with the exit code. */
export async function whyCommand(options: WhyOptions): Promise<number> {
  const query = options.role !== undefined ? `?role=${encodeURIComponent(options.role)}` : '';
  const path = `/master/frameworks/${encodeURIComponent(options.frameworkId)}/allocation${query}`;
  let answer: HttpResult;
  try {
    answer = await getFollowingRedirects(options.master, path);
  } catch (error) {
    options.err(`meridian why: --master: cannot ask ${formatEndpoint(options.master)}: ${(error as Error).message}`);
    return EXIT_REFUSED;
  }
  if (answer.status !== 200) {
    const flag = answer.status === 400 && options.role !== undefined ? '--role: ' : '';
    options.err(`meridian why: ${flag}${answer.body.trim() || `the master answered ${answer.status}`}`);
    return EXIT_REFUSED;
  }
  if (options.json) {
    options.out(JSON.stringify(JSON.parse(answer.body), null, 2));
    return EXIT_ANSWERED;
  }
  for (const line of renderAllocation(JSON.parse(answer.body) as AllocationAnswer)) options.out(line);
  return EXIT_ANSWERED;
}

async function getFollowingRedirects(master: Endpoint, path: string): Promise<HttpResult> {
  let endpoint = master;
  for (let redirects = 0; ; redirects++) {
    const answer = await request(endpoint, 'GET', path, undefined, { accept: 'application/json' }, ANSWER_TIMEOUT_MS);
    const location = answer.headers.location;
    if (answer.status !== 307 || location === undefined || redirects === REDIRECTS_MAX) return answer;
    endpoint = parseEndpoint(location.replace(/^\/\//, ''), endpoint.port);
  }
}

/** The lines `meridian why` prints: a heading, the summary per role, and the agent breakdown per role. */
export function renderAllocation(answer: AllocationAnswer): string[] {
  const summaries = alignedTable([['ROLE', 'SUMMARY'], ...answer.roles.map((role) => [role.role, role.summary])]);
  const breakdown = alignedTable([
    ['ROLE', 'AGENTS', 'AVAILABLE', 'FILTERED', 'FULLY_ALLOCATED', 'RESERVED_FOR_OTHER_ROLES', 'BELOW_MINIMUM', 'OFFERED_LAST_RUN', 'OUTSTANDING_OFFERS'],
    ...answer.roles.map((role) => [
      role.role, role.agents.total, role.agents.available, role.agents.filtered, role.agents.fully_allocated,
      role.agents.reserved_for_other_roles, role.agents.below_minimum, role.offered_last_run, role.outstanding_offers.count,
    ].map(String)),
  ]);
  return [`Framework ${answer.framework_id} (${answer.name})`, '', ...summaries, '', ...breakdown];
}

/** Rows as columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function alignedTable(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
}
