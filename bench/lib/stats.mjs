/** Small statistics helpers: medians across repeats, nearest-rank percentiles within a run. */

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * v.length));
  return v[rank - 1];
}

export function max(values) {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? Math.max(...v) : undefined;
}

/** The median of each numeric field across runs (fields missing from a run are skipped). */
export function medianOfRuns(runs, fields) {
  const out = {};
  for (const f of fields) out[f] = median(runs.map((r) => r[f]));
  return out;
}
