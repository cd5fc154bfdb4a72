/**
 * Ready time, memory, idle CPU and close time for each tree: start the watcher, wait for ready, let it
 * settle, sample process.cpuUsage() over an idle window, read RSS, close. One child per run.
 */
import { inotifyWatches } from '../inotify.mjs';
import { ensureTree, treeName } from '../tree.mjs';
import { med, rowBase, roundRobin, withWatcher } from './common.mjs';

export async function runReady({ config, watchers, baseline, log }) {
  const out = [];
  for (const spec of config.trees) {
    const root = ensureTree(spec, log);
    log(`ready/idle on ${treeName(spec)} (${config.repeats} rounds, idle window ${config.idleMs} ms)`);
    const all = baseline ? [baseline, ...watchers] : watchers;
    const runs = await roundRobin(all, config.repeats, (w) => readyRun(w.id, root, config), log);
    for (const w of all) {
      const r = runs.get(w.id);
      out.push({
        tree: treeName(spec),
        ...rowBase(w.id, r),
        readyMs: med(r, 'readyMs'),
        cpuPct: med(r, 'cpuPct'),
        rssMb: med(r, 'rssMb'),
        maxRssMb: med(r, 'maxRssMb'),
        closeMs: med(r, 'closeMs'),
        idleEvents: med(r, 'idleEvents'),
        watches: med(r, 'watches'),
        runs: r,
      });
    }
  }
  return out;
}

function readyRun(watcherId, root, config) {
  return withWatcher(watcherId, root, async (proc) => {
    const idle = await proc.request('idle', { settleMs: config.settleMs, windowMs: config.idleMs }, config.idleMs + 60_000);
    return {
      cpuPct: idle.cpuPct,
      rssMb: idle.rssMb,
      maxRssMb: idle.maxRssMb,
      heapMb: idle.heapMb,
      // Callbacks while nothing changed: a watcher that reports its own initial scan late, or spurious events.
      idleEvents: proc.batches.length,
      watches: inotifyWatches(proc.pid),
    };
  });
}
