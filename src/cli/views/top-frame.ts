/**
 * One frame of `meridian top`: the cluster's resources (total, used by tasks and executors,
 * offered, idle), tasks by state, and the frameworks with the largest dominant share. Pure: the
 * master's answers and the screen size in, lines out; the caller draws them.
 */
import {
  addAmounts, amountOf, frameworkIdOf, rolesOf, scalarAmounts, type Amounts, type FrameworkJson, type GetAgentsJson, type GetFrameworksJson,
} from './operator-json.js';
import { compareText, displayWidth, formatAmount, formatPercent, renderTable, type Column } from './table.js';

/** What one refresh reads from the master. */
export interface TopSnapshot {
  agents: GetAgentsJson;
  frameworks: GetFrameworksJson;
  /** `/metrics/snapshot`: the task counters by state. */
  metrics: Readonly<Record<string, number>>;
}

export interface FrameContext {
  /** The master asked, as the heading names it. */
  master: string;
  /** Wall-clock time of the refresh, already formatted (the frame does not read clocks). */
  clock: string;
  intervalSeconds: number;
  /** Terminal size; null when printing once to a file or pipe (nothing is cut). */
  columns: number | null;
  rows: number | null;
  /** Why the last refresh failed, shown above the last good picture. */
  error: string | null;
  /** Say that `q` quits (only when keys are read). */
  keysHint: boolean;
}

const RESOURCES = ['cpus', 'mem', 'disk', 'gpus'] as const;
/** Frameworks shown when the screen size is not known. */
export const FRAMEWORKS_SHOWN_MAX = 10;
const LIVE_STATES = ['staging', 'starting', 'running', 'killing', 'unreachable'] as const;
const ENDED_STATES = ['finished', 'failed', 'killed', 'lost', 'error', 'dropped', 'gone', 'gone_by_operator'] as const;

/** Cluster-wide amounts: what agents have, what is used, and what is offered. */
export interface ClusterAmounts {
  total: Amounts;
  used: Amounts;
  offered: Amounts;
}

export function clusterAmounts(agents: GetAgentsJson): ClusterAmounts {
  const sums: ClusterAmounts = { total: {}, used: {}, offered: {} };
  for (const agent of agents.agents ?? []) {
    addAmounts(sums.total, scalarAmounts(agent.total_resources));
    addAmounts(sums.used, scalarAmounts(agent.allocated_resources));
    addAmounts(sums.offered, scalarAmounts(agent.offered_resources));
  }
  return sums;
}

/** A framework's dominant share (DRF): its largest fraction of any resource the cluster has, and which resource that is. */
export function dominantShare(used: Amounts, total: Amounts): { share: number; resource: string | null } {
  let best: { share: number; resource: string | null } = { share: 0, resource: null };
  for (const name of RESOURCES) {
    const all = amountOf(total, name);
    if (all <= 0) continue;
    const share = amountOf(used, name) / all;
    if (share > best.share) best = { share, resource: name };
  }
  return best;
}

const fractionOf = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

function resourceLines(sums: ClusterAmounts): string[] {
  const shown = RESOURCES.filter((name) => name !== 'gpus' || amountOf(sums.total, 'gpus') > 0);
  const columns: Column[] = [
    { heading: 'RESOURCE' }, { heading: 'TOTAL', align: 'right' },
    { heading: 'USED', align: 'right' }, { heading: '', align: 'right' },
    { heading: 'OFFERED', align: 'right' }, { heading: '', align: 'right' },
    { heading: 'IDLE', align: 'right' }, { heading: '', align: 'right' },
  ];
  return renderTable(columns, shown.map((name) => {
    const total = amountOf(sums.total, name);
    const used = amountOf(sums.used, name);
    const offered = amountOf(sums.offered, name);
    const idle = Math.max(0, Math.round((total - used - offered) * 1000) / 1000);
    return [
      name, formatAmount(name, total),
      formatAmount(name, used), formatPercent(fractionOf(used, total)),
      formatAmount(name, offered), formatPercent(fractionOf(offered, total)),
      formatAmount(name, idle), formatPercent(fractionOf(idle, total)),
    ];
  }));
}

/** Live tasks by state, every state shown; ended tasks (the master's counters since it started) only for states that have some. */
function taskLines(metrics: Readonly<Record<string, number>>): string[] {
  const countOf = (state: string) => metrics[`master/tasks_${state}`] ?? 0;
  const ended = ENDED_STATES.filter((state) => countOf(state) > 0).map((state) => `${state} ${countOf(state)}`);
  return [
    `TASKS  ${LIVE_STATES.map((state) => `${state} ${countOf(state)}`).join('  ')}`,
    `ENDED  ${ended.length > 0 ? ended.join('  ') : 'none'}`,
  ];
}

interface FrameworkShare {
  framework: FrameworkJson;
  used: Amounts;
  share: number;
  resource: string | null;
}

function frameworkLines(frameworks: readonly FrameworkJson[], total: Amounts, limit: number): string[] {
  const shares: FrameworkShare[] = frameworks.map((framework) => {
    const used = scalarAmounts(framework.allocated_resources);
    return { framework, used, ...dominantShare(used, total) };
  }).sort((a, b) => b.share - a.share || compareText(frameworkIdOf(a.framework), frameworkIdOf(b.framework)));
  const shown = shares.slice(0, Math.max(0, limit));
  const withGpus = amountOf(total, 'gpus') > 0;
  const resources = withGpus ? ['cpus', 'mem', 'disk', 'gpus'] : ['cpus', 'mem', 'disk'];
  const columns: Column[] = [
    { heading: 'FRAMEWORK' }, { heading: 'NAME' }, { heading: 'ROLES' }, { heading: 'SHARE', align: 'right' }, { heading: 'OF' },
    ...resources.map((name): Column => ({ heading: name.toUpperCase(), align: 'right' })),
  ];
  const lines = renderTable(columns, shown.map((entry) => [
    frameworkIdOf(entry.framework), entry.framework.framework_info.name, rolesOf(entry.framework).join(','),
    formatPercent(entry.share), entry.resource ?? '-',
    ...resources.map((name) => formatAmount(name, amountOf(entry.used, name))),
  ]));
  if (shares.length > shown.length) lines.push(`… ${shares.length - shown.length} more`);
  return lines;
}

/** The frame's lines, cut to the screen's width and height when they are known. */
export function renderTopFrame(snapshot: TopSnapshot, context: FrameContext): string[] {
  const agents = snapshot.agents.agents ?? [];
  const frameworks = snapshot.frameworks.frameworks ?? [];
  const sums = clusterAmounts(snapshot.agents);
  const activeAgents = agents.filter((agent) => agent.active).length;
  // The first line is what an operator checks first (which master, how fresh); it is kept short
  // so the hint survives an 80-column terminal.
  const heading = ['meridian top', context.master, context.clock, `every ${context.intervalSeconds}s`, ...(context.keysHint ? ['q quits'] : [])].join(' · ');
  const census = `${count(agents.length, 'agent')} (${activeAgents} active) · ${count(frameworks.length, 'framework')}`;
  const top = [heading, ...(context.error === null ? [] : [`! ${context.error}`]), census, '', ...resourceLines(sums), '', ...taskLines(snapshot.metrics), ''];
  // The frameworks fill the rest of the screen: heading line, rows, and the "more" line.
  const limit = context.rows === null ? FRAMEWORKS_SHOWN_MAX : Math.max(1, context.rows - top.length - 2);
  const lines = [...top, ...frameworkLines(frameworks, sums.total, limit)];
  const fitted = context.rows === null ? lines : lines.slice(0, context.rows);
  return context.columns === null ? fitted : fitted.map((line) => cut(line, context.columns as number));
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A line cut to `columns` cells, so the terminal never wraps it and the redraw stays in place. */
function cut(line: string, columns: number): string {
  if (displayWidth(line) <= columns) return line;
  return Array.from(line).slice(0, Math.max(0, columns)).join('');
}
