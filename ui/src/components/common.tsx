/** Small pieces every view uses: task state badges, usage bars, resource tables, times. */
import type { ReactNode } from 'react';
import { formatAmount, resourceNames, type ResourceAmounts } from '../model/resources.js';

export function StateBadge({ state }: { state: string }) {
  return <span className={`state ${state}`} data-state={state}>{state.replace(/^TASK_/, '')}</span>;
}

/** `used` of `total` as a bar with the numbers beside it. */
export function UsageBar({ name, used, total }: { name: string; used: number; total: number }) {
  const fraction = total > 0 ? Math.min(1, used / total) : 0;
  return (
    <div style={{ display: 'grid', gridTemplateColumns: '1fr auto', gap: 6, alignItems: 'center' }}>
      <div className="bar" title={`${Math.round(fraction * 100)}%`}><span style={{ width: `${fraction * 100}%` }} /></div>
      <span className="muted" style={{ fontSize: 12 }}>{formatAmount(name, used)} / {formatAmount(name, total)}</span>
    </div>
  );
}

/**
 * A table of resources, one row per name, one column per labelled amount set. A name missing from
 * a column reads as 0, or as blank for columns marked 'unknown-blank' (what is not measured).
 */
export function ResourceTable({ columns }: { columns: ReadonlyArray<[string, ResourceAmounts] | [string, ResourceAmounts, 'unknown-blank']> }) {
  const names = resourceNames(...columns.map(([, amounts]) => amounts));
  if (names.length === 0) return <p className="muted">No resources.</p>;
  return (
    <table className="plain">
      <thead>
        <tr><th>Resource</th>{columns.map(([label]) => <th key={label}>{label}</th>)}</tr>
      </thead>
      <tbody>
        {names.map((name) => (
          <tr key={name}>
            <td>{name}</td>
            {columns.map(([label, amounts, missing]) => {
              const value = amounts[name];
              return <td key={label}>{value === undefined && missing === 'unknown-blank' ? '' : formatAmount(name, value ?? 0)}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Seconds since the epoch as a local date and time. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  return new Date(seconds * 1000).toLocaleString();
}

/** How long ago, roughly: "12 s ago", "5 min ago". */
export function formatAgo(seconds: number | null, nowMs: number): string {
  if (seconds === null) return '';
  const elapsed = Math.max(0, nowMs / 1000 - seconds);
  if (elapsed < 90) return `${Math.round(elapsed)} s ago`;
  if (elapsed < 90 * 60) return `${Math.round(elapsed / 60)} min ago`;
  if (elapsed < 36 * 3600) return `${Math.round(elapsed / 3600)} h ago`;
  return `${Math.round(elapsed / 86400)} d ago`;
}

export function Facts({ items }: { items: ReadonlyArray<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {items.map(([label, value]) => [<dt key={`${label}-t`}>{label}</dt>, <dd key={`${label}-d`}>{value}</dd>])}
    </dl>
  );
}

/** Shown while the first SUBSCRIBED has not arrived: an empty list would look like an empty cluster. */
export function WaitingForMaster() {
  return <p className="muted">Waiting for the master's state…</p>;
}
