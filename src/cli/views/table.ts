/**
 * Aligned text tables and the number formats the CLI views share. Pure: rows in, lines out.
 * Columns are as wide as their widest cell, so nothing is cut; numbers are right-aligned so their
 * digits line up.
 */

/** One column: its heading, and whether its cells (and heading) are right-aligned, as numbers are. */
export interface Column {
  heading: string;
  align?: 'left' | 'right';
}

/** Space between two columns. */
const COLUMN_GAP = '  ';

/**
 * The table's lines: the headings, then one line per row. Every cell is padded to its column's
 * widest cell, except that a left-aligned last column is not padded (no trailing spaces).
 * Rows shorter than the headings are padded with empty cells.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const headings = columns.map((column) => column.heading);
  const widths = headings.map((heading) => displayWidth(heading));
  for (const row of rows) {
    columns.forEach((_column, index) => (widths[index] = Math.max(widths[index] ?? 0, displayWidth(row[index] ?? ''))));
  }
  const line = (cells: readonly string[]): string =>
    columns.map((column, index) => {
      const cell = cells[index] ?? '';
      const padding = ' '.repeat((widths[index] ?? 0) - displayWidth(cell));
      const isLast = index === columns.length - 1;
      if (column.align === 'right') return padding + cell;
      return isLast ? cell : cell + padding;
    }).join(COLUMN_GAP).trimEnd();
  return [line(headings), ...rows.map((row) => line(row))];
}

/**
 * How many terminal cells a cell takes: one per code point, so a name with accents or emoji
 * does not throw the columns off by its UTF-16 length (wide CJK glyphs still count one).
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const _codePoint of text) width++;
  return width;
}

/** A scalar as Mesos keeps it: at most three decimals (fixed-point 0.001), trailing zeros dropped. */
export function formatScalar(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

const MEGABYTE_UNITS = ['MB', 'GB', 'TB', 'PB'] as const;

/**
 * An amount of megabytes (Mesos' unit for mem and disk) in the largest unit that keeps it at or
 * above 1, with at most one decimal: `32 MB`, `4 GB`, `1.5 TB`. Zero is `0`.
 */
export function formatMegabytes(megabytes: number): string {
  if (megabytes === 0) return '0';
  let value = megabytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < MEGABYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? formatScalar(value) : String(Math.round(value * 10) / 10);
  return `${shown} ${MEGABYTE_UNITS[unit] as string}`;
}

/** How a resource's amounts read: cpus and gpus as counts, mem and disk in MB-based units. */
export function formatAmount(name: string, value: number): string {
  return name === 'mem' || name === 'disk' ? formatMegabytes(value) : formatScalar(value);
}

/** `used/total` in the resource's units, e.g. `0.5/4` or `512 MB/4 GB`. */
export function formatUsedOfTotal(name: string, used: number, total: number): string {
  return `${formatAmount(name, used)}/${formatAmount(name, total)}`;
}

/** A fraction as a whole percentage, e.g. `12%`; below 1% but above zero reads `<1%`. */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.01) return '<1%';
  return `${Math.round(fraction * 100)}%`;
}

/** `yes` or `no`, as the tables print booleans. */
export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** Orders text by UTF-16 code units, the same on every machine (no locale), so repeated runs line up. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
