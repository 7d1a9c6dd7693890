/**
 * A table that renders only the rows in view (see model/virtual-window.ts), so ten thousand rows
 * scroll as smoothly as ten. Rows are links when `rowHref` is given, so they open with a click,
 * a middle click or the keyboard.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { rowWindow } from '../model/virtual-window.js';

export interface Column<T> {
  header: string;
  /** A CSS grid track: `2fr`, `120px`, `minmax(80px, 1fr)`. */
  width: string;
  cell(row: T): ReactNode;
}

export interface VirtualTableProps<T> {
  rows: readonly T[];
  columns: ReadonlyArray<Column<T>>;
  rowKey(row: T): string;
  rowHref?: (row: T) => string;
  /** Extra attributes on each row, for tests and styling. */
  rowData?: (row: T) => Record<string, string>;
  /** Height of the scrolling body; rows are 30 px. */
  heightPx?: number;
  empty?: ReactNode;
  testId?: string;
}

const ROW_HEIGHT_PX = 30;
const OVERSCAN_ROWS = 10;

export function VirtualTable<T>({ rows, columns, rowKey, rowHref, rowData, heightPx = 560, empty, testId }: VirtualTableProps<T>) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const [scrollTopPx, setScrollTopPx] = useState(0);
  const [viewportPx, setViewportPx] = useState(heightPx);
  const template = columns.map((column) => column.width).join(' ');
  const bodyHeightPx = Math.min(heightPx, Math.max(ROW_HEIGHT_PX, rows.length * ROW_HEIGHT_PX));

  useLayoutEffect(() => {
    const body = bodyRef.current;
    if (!body) return;
    setViewportPx(body.clientHeight);
    const observer = new ResizeObserver(() => setViewportPx(body.clientHeight));
    observer.observe(body);
    return () => observer.disconnect();
  }, []);

  const slice = rowWindow({ scrollTopPx, viewportHeightPx: viewportPx, rowHeightPx: ROW_HEIGHT_PX, rowCount: rows.length, overscanRows: OVERSCAN_ROWS });
  const visible = rows.slice(slice.first, slice.end);
  return (
    <div className="vtable" data-testid={testId} data-rows={rows.length}>
      <div className="vhead" style={{ gridTemplateColumns: template }}>
        {columns.map((column) => <div key={column.header}>{column.header}</div>)}
      </div>
      <div className="vbody" ref={bodyRef} style={{ height: bodyHeightPx }} onScroll={(event) => setScrollTopPx(event.currentTarget.scrollTop)}>
        {rows.length === 0 ? <div className="empty">{empty ?? 'Nothing to show.'}</div> : null}
        <div style={{ paddingTop: slice.paddingTopPx, paddingBottom: slice.paddingBottomPx }}>
          {visible.map((row) => {
            const cells = columns.map((column) => <div key={column.header}>{column.cell(row)}</div>);
            const key = rowKey(row);
            const attributes = { className: 'vrow', style: { gridTemplateColumns: template }, ...(rowData ? rowData(row) : {}) };
            return rowHref ? <a key={key} {...attributes} href={rowHref(row)}>{cells}</a> : <div key={key} {...attributes}>{cells}</div>;
          })}
        </div>
      </div>
    </div>
  );
}
