/**
 * Which rows of a long list to render: only those in the viewport plus a margin, so a table of
 * 10,000 tasks costs as much as one of fifty. Rows have one fixed height, which keeps the math
 * exact and the scroll bar honest.
 */

export interface WindowInput {
  scrollTopPx: number;
  viewportHeightPx: number;
  rowHeightPx: number;
  rowCount: number;
  /** Extra rows above and below, so fast scrolling does not show blank space. */
  overscanRows: number;
}

export interface RowWindow {
  /** First row to render (inclusive). */
  first: number;
  /** Row after the last to render (exclusive). */
  end: number;
  /** Space above the first rendered row, standing in for the rows not rendered. */
  paddingTopPx: number;
  /** Space below the last rendered row. */
  paddingBottomPx: number;
}

export function rowWindow({ scrollTopPx, viewportHeightPx, rowHeightPx, rowCount, overscanRows }: WindowInput): RowWindow {
  if (rowCount <= 0 || rowHeightPx <= 0) return { first: 0, end: 0, paddingTopPx: 0, paddingBottomPx: 0 };
  const top = Math.max(0, scrollTopPx);
  const firstVisible = Math.min(rowCount - 1, Math.floor(top / rowHeightPx));
  const visibleRows = Math.ceil(Math.max(0, viewportHeightPx) / rowHeightPx) + 1;
  const first = Math.max(0, firstVisible - overscanRows);
  const end = Math.min(rowCount, firstVisible + visibleRows + overscanRows);
  return { first, end, paddingTopPx: first * rowHeightPx, paddingBottomPx: (rowCount - end) * rowHeightPx };
}
