/**
 * Cell formatting for the tables: a value, then its ratio to the best anchor of the same run ("0.21x" means
 * 0.21 times the best anchor's figure; lower is better for every figure shown with a ratio).
 */

export function ms(v) {
  if (v === undefined) return '–';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  return `${v.toFixed(1)} ms`;
}

export const mb = (v) => (v === undefined ? '–' : `${v.toFixed(1)} MB`);
export const pct = (v) => (v === undefined ? '–' : `${v.toFixed(2)}%`);
export const int = (v) => (v === undefined ? '–' : String(Math.round(v)));

/** The best (lowest) value among the anchor rows, ignoring ours and the empty-process baseline. */
export function bestAnchor(rows, field, isAnchor) {
  const values = rows.filter((r) => isAnchor(r) && typeof r[field] === 'number').map((r) => r[field]);
  return values.length ? Math.min(...values) : undefined;
}

export function ratio(v, best) {
  if (v === undefined || best === undefined) return '';
  if (best === 0) return v === 0 ? ' (=)' : '';
  const r = v / best;
  // Two significant digits (0.76x, 1.0x, 18x), whole numbers from 100x.
  return ` (${r >= 100 ? r.toFixed(0) : r.toPrecision(2)}x)`;
}

/** A value with its ratio to the best anchor. */
export function withRatio(fmt, rows, field, isAnchor) {
  const best = bestAnchor(rows, field, isAnchor);
  return (row) => fmt(row[field]) + ratio(row[field], best);
}

export function table(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
