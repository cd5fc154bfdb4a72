/** What every scenario does around its own work: one fresh child per run, started, used, closed, killed. */
import { WatcherProcess } from '../driver.mjs';
import { waitForWatchLimit, watchLimitMonitor } from '../limits.mjs';
import { median } from '../stats.mjs';

/** Longest a watcher may take to become ready before the run is recorded as failed. */
export const READY_TIMEOUT_MS = 300_000;

/**
 * Runs `fn` against a fresh child watching `root`. `disturbed` is set when the inotify limit was lowered
 * by someone else during the run (see limits.mjs): such a run says nothing about the watcher.
 */
export async function withWatcher(watcherId, root, fn) {
  const proc = new WatcherProcess();
  const monitor = watchLimitMonitor();
  let result;
  try {
    const ready = await proc.request('start', { watcher: watcherId, root }, READY_TIMEOUT_MS);
    const out = await fn(proc, ready);
    const closed = await proc.close();
    result = { backend: ready.backend, readyMs: ready.readyMs, closeMs: closed.closeMs, ...out };
  } catch (error) {
    result = { error: String(error?.message ?? error).split('\n')[0], stderr: proc.stderr.trim().slice(-500) };
  } finally {
    await proc.kill();
  }
  if (monitor.stop()) result.disturbed = true;
  return result;
}

/** Attempts per run when the machine, not the watcher, spoiled it. */
const ATTEMPTS = 3;

/**
 * Runs `repeats` rounds of every watcher, interleaved (round-robin) so machine noise spreads evenly. A run
 * disturbed by a lowered inotify limit is done again, up to ATTEMPTS times; a run that fails on its own
 * (ENOSPC at the real limit included) is kept as a failure.
 */
export async function roundRobin(watchers, repeats, runOne, log) {
  const runs = new Map(watchers.map((w) => [w.id, []]));
  for (let r = 0; r < repeats; r++) {
    for (const w of watchers) {
      let res;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        await waitForWatchLimit(log);
        res = await runOne(w, r);
        // ENOSPC may be someone else's watches; if it is the real limit, it fails again and is kept.
        const enospc = /ENOSPC/.test(res.error ?? '');
        if (!res.disturbed && !enospc) break;
        const why = res.disturbed ? 'disturbed (inotify limit lowered during the run)' : `failed (${res.error})`;
        log(`  ${w.id} #${r + 1}: ${why}${attempt < ATTEMPTS ? ', trying again' : ''}`);
        if (attempt < ATTEMPTS) await sleep(2000);
      }
      if (res.disturbed && !res.error) {
        res = { error: `the inotify limit was lowered by another process during all ${ATTEMPTS} attempts` };
      }
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

/** The columns every scenario's row starts with: which watcher, on which backend, and its failed runs. */
export function rowBase(watcherId, runs) {
  return {
    watcher: watcherId,
    backend: runs.find((x) => x.backend)?.backend,
    failed: runs.filter((x) => x.error).map((x) => x.error),
  };
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
