/**
 * Goal: the CLI's tables line up whatever the cells hold — columns as wide as their widest cell,
 * numbers right-aligned, no trailing spaces, multi-byte names counted as one cell each — and
 * amounts read as Mesos keeps them (three decimals, MB-based units).
 * Method: the pure formatters on hand-written rows, with the expected lines written out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareText, displayWidth, formatAmount, formatMegabytes, formatPercent, formatScalar, formatUsedOfTotal, renderTable,
} from '../../../src/cli/views/table.js';

test('columns are as wide as their widest cell, two spaces apart; numbers align right; no trailing spaces', () => {
  const lines = renderTable(
    [{ heading: 'ID' }, { heading: 'CPUS', align: 'right' }, { heading: 'NAME' }],
    [['a1', '0.5/4', 'web'], ['agent-long-id', '12/16', 'batch-jobs']],
  );
  assert.deepEqual(lines, [
    `ID${' '.repeat(14)}CPUS  NAME`,
    `a1${' '.repeat(13)}0.5/4  web`,
    'agent-long-id  12/16  batch-jobs',
  ]);
  for (const line of lines) assert.equal(line, line.trimEnd());
});

test('a table without rows is its headings; short rows are padded with empty cells', () => {
  assert.deepEqual(renderTable([{ heading: 'ROLE' }, { heading: 'WEIGHT', align: 'right' }], []), ['ROLE  WEIGHT']);
  assert.deepEqual(renderTable([{ heading: 'N', align: 'right' }, { heading: 'X' }], [['100', 'a']]), ['  N  X', '100  a']);
  assert.deepEqual(renderTable([{ heading: 'A' }, { heading: 'B' }, { heading: 'C' }], [['x']]), ['A  B  C', 'x']);
});

test('a name with accents or emoji takes one cell per character, so the next column still lines up', () => {
  const lines = renderTable([{ heading: 'NAME' }, { heading: 'STATE' }], [['café', 'ok'], ['🚀 launch', 'ok'], ['plain', 'ok']]);
  const stateColumn = lines.map((line) => displayWidth(line) - 'ok'.length);
  assert.deepEqual(new Set(stateColumn.slice(1)), new Set([displayWidth('🚀 launch') + 2]));
  assert.equal(displayWidth('🚀'), 1);
});

test('scalars keep at most three decimals, as Mesos fixed-point does', () => {
  assert.equal(formatScalar(0.1 + 0.2), '0.3');
  assert.equal(formatScalar(4), '4');
  assert.equal(formatScalar(1 / 3), '0.333');
  assert.equal(formatScalar(-0.0001), '0');
});

test('mem and disk read in MB-based units; cpus and gpus as counts', () => {
  assert.equal(formatMegabytes(0), '0');
  assert.equal(formatMegabytes(32), '32 MB');
  assert.equal(formatMegabytes(1023.5), '1023.5 MB');
  assert.equal(formatMegabytes(1024), '1 GB');
  assert.equal(formatMegabytes(1536), '1.5 GB');
  assert.equal(formatMegabytes(4 * 1024 * 1024), '4 TB');
  assert.equal(formatAmount('mem', 2048), '2 GB');
  assert.equal(formatAmount('disk', 100), '100 MB');
  assert.equal(formatAmount('cpus', 2048), '2048');
  assert.equal(formatUsedOfTotal('mem', 512, 4096), '512 MB/4 GB');
  assert.equal(formatUsedOfTotal('cpus', 0.5, 4), '0.5/4');
});

test('percentages are whole, and a sliver above zero is not shown as 0%', () => {
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.004), '<1%');
  assert.equal(formatPercent(0.125), '13%');
  assert.equal(formatPercent(1), '100%');
});

test('text order does not depend on the locale', () => {
  assert.deepEqual(['b', 'B', 'a', 'a-S10', 'a-S9'].sort(compareText), ['B', 'a', 'a-S10', 'a-S9', 'b']);
});
