/**
 * watchpack (webpack's watcher) with webpack's default aggregateTimeout of 20 ms; one callback per
 * 'aggregated' event, carrying the files its 'change'/'remove' events named since the last one. It has no ready event: ready = every DirectoryWatcher it created has finished its
 * initial scan and no new one appeared for one check (checked every 5 ms, through its watcherManager).
 */
import { createRequire } from 'node:module';

const Watchpack = createRequire(import.meta.url)('watchpack');

export async function start(root, onEvents) {
  const wp = new Watchpack({ aggregateTimeout: 20 });
  // 'aggregated' names the watched directory, not the files: collect those from 'change'/'remove'.
  let pending = new Set();
  wp.on('change', (file) => pending.add(file));
  wp.on('remove', (file) => pending.add(file));
  wp.on('aggregated', () => {
    const files = [...pending];
    pending = new Set();
    onEvents(files);
  });
  wp.watch({ files: [], directories: [root], missing: [], startTime: Date.now() });
  await scansFinished(wp);
  return { backend: 'fs.watch per dir', close: async () => wp.close() };
}

function scansFinished(wp) {
  return new Promise((resolve) => {
    let lastCount = -1;
    const check = () => {
      const watchers = [...wp.watcherManager.directoryWatchers.values()];
      const scanning = watchers.some((w) => w.initialScan || w.scanning);
      if (!scanning && watchers.length === lastCount && watchers.length > 0) return resolve();
      lastCount = scanning ? -1 : watchers.length;
      setTimeout(check, 5);
    };
    check();
  });
}
