/** What every scenario does around its own work: one fresh child per run, started, used, closed, killed. */
import { WatcherProcess } from '../driver.mjs';
import { median } from '../stats.mjs';

/** Longest a watcher may take to become ready before the run is recorded as failed. */
export const READY_TIMEOUT_MS = 300_000;

export async function withWatcher(watcherId, root, fn) {
  const proc = new WatcherProcess();
  try {
    const ready = await proc.request('start', { watcher: watcherId, root }, READY_TIMEOUT_MS);
    const out = await fn(proc, ready);
    const closed = await proc.close();
    return { backend: ready.backend, readyMs: ready.readyMs, closeMs: closed.closeMs, ...out };
  } catch (error) {
    return { error: String(error?.message ?? error).split('\n')[0], stderr: proc.stderr.trim().slice(-500) };
  } finally {
    proc.kill();
  }
}

/** Runs `repeats` rounds of every watcher, interleaved (round-robin) so machine noise spreads evenly. */
export async function roundRobin(watchers, repeats, runOne, log) {
  const runs = new Map(watchers.map((w) => [w.id, []]));
  for (let r = 0; r < repeats; r++) {
    for (const w of watchers) {
      const res = await runOne(w, r);
      runs.get(w.id).push(res);
      log(`  ${w.id} #${r + 1}: ${res.error ? `FAILED ${res.error}` : summarize(res)}`);
    }
  }
  return runs;
}

function summarize(res) {
  return Object.entries(res)
    .filter(([k, v]) => typeof v === 'number' && !k.startsWith('_'))
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(1)}`)
    .join(' ');
}

/** Median of `field` over the runs that did not fail. */
export function med(runs, field) {
  return median(runs.filter((r) => !r.error).map((r) => r[field]));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A watcher's quiet window: long enough for a poller to have swept at least twice. */
export function quietMsFor(watcherId, base) {
  const pollMs = { 'stat-poll': 1000, 'watchfiles-poll': 300 }[watcherId] ?? 0;
  return Math.max(base, 2 * pollMs + 500);
}
