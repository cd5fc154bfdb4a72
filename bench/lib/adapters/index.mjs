/**
 * The watchers compared, by id. `ours` marks watchfiles-node's rows; every other watcher is an anchor, and
 * ratios are taken against the best anchor of the same run. `ready` says what "ready" means for each, since
 * not every watcher has a ready signal. Adapter modules load lazily, in the child only.
 */
export const WATCHERS = [
  {
    id: 'watchfiles',
    ours: true,
    label: 'watchfiles-node',
    module: './watchfiles.mjs',
    ready: 'subscribe() resolved (every watch placed)',
    notes: 'default options: node_modules, .git and other default dirs are never watched',
  },
  {
    id: 'watchfiles-poll',
    ours: true,
    label: 'watchfiles-node forcePolling',
    module: './watchfiles-poll.mjs',
    ready: 'subscribe() resolved (first snapshot taken)',
    notes: 'forcePolling: true, default pollDelay 300 ms',
  },
  {
    id: 'parcel',
    label: '@parcel/watcher',
    module: './parcel.mjs',
    ready: 'subscribe() resolved',
    notes: "backend pinned to the platform's native one (inotify here): unpinned it switches to watchman when one is installed",
  },
  {
    id: 'chokidar',
    label: 'chokidar 5',
    module: './chokidar.mjs',
    ready: "'ready' event",
    notes: 'ignoreInitial: true; one callback per event',
  },
  {
    id: 'chokidar3',
    label: 'chokidar 3',
    module: './chokidar3.mjs',
    ready: "'ready' event",
    notes: 'ignoreInitial: true; one callback per event',
  },
  {
    id: 'fs-watch',
    label: 'fs.watch recursive',
    module: './fs-watch.mjs',
    ready: 'fs.watch() returned (on Linux, Node walks the tree inside the call)',
    notes: 'one callback per event',
  },
  {
    id: 'watchpack',
    label: 'watchpack',
    module: './watchpack.mjs',
    ready: 'every initial directory scan finished (no ready event; polled every 5 ms)',
    notes: "aggregateTimeout: 20 (webpack's default); one callback per 'aggregated'",
  },
  {
    id: 'stat-poll',
    label: 'stat polling (StatReloader)',
    module: './stat-poll.mjs',
    ready: 'first sweep finished',
    notes: 'lists the tree and statSyncs every file each 1000 ms (reports new and deleted files, unlike Django)',
  },
];

/**
 * Watchers on a watchman server: only bench/watchman.mjs runs them (it starts a private server and points
 * WATCHMAN_SOCK at it), so the main run never depends on watchman.
 */
export const WATCHMAN_WATCHERS = [
  {
    id: 'watchfiles-watchman',
    ours: true,
    label: 'watchfiles-node watchman',
    module: './watchfiles-watchman.mjs',
    ready: 'subscribe() resolved (watch-project, synced clock, subscribed)',
    notes: "backend: 'watchman'",
  },
  {
    id: 'parcel-watchman',
    label: '@parcel/watcher watchman',
    module: './parcel-watchman.mjs',
    ready: 'subscribe() resolved',
    notes: "backend: 'watchman'",
  },
];

/** The empty-process baseline: shown in the ready/idle tables only, never an anchor. */
export const BASELINE = {
  id: 'none',
  baseline: true,
  label: '(empty process, no watcher)',
  module: './none.mjs',
  ready: '-',
  notes: 'the harness alone: subtract it to see what a watcher adds',
};

export function findWatcher(id) {
  const w = [...WATCHERS, ...WATCHMAN_WATCHERS, BASELINE].find((x) => x.id === id);
  if (!w) {
    throw new Error(`unknown watcher "${id}"; known: ${[...WATCHERS, BASELINE].map((x) => x.id).join(', ')}`);
  }
  return w;
}

export function loadAdapter(id) {
  return import(new URL(findWatcher(id).module, import.meta.url).href);
}
