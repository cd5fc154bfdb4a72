/**
 * watchfiles-node/chokidar: chokidar's API (3.x and 4+/5) on the watchfiles-node core, so a tool built
 * on chokidar switches with one npm `overrides` entry. See docs/chokidar.md for what differs.
 *
 *     import chokidar from 'watchfiles-node/chokidar';
 *     chokidar.watch('src', { ignored: /node_modules/ }).on('all', (event, path) => console.log(event, path));
 */
import { FSWatcher } from './watcher.js';
import type { ChokidarOptions } from './types.js';

/** Creates an FSWatcher and starts watching `paths` (files, directories, or chokidar 3 globs). */
export function watch(paths: string | readonly string[], options: ChokidarOptions = {}): FSWatcher {
  const watcher = new FSWatcher(options);
  watcher.add(paths);
  return watcher;
}

export { FSWatcher, FACADE_DEBOUNCE_MS, FACADE_STEP_MS } from './watcher.js';
export type { FSWatcherEventMap } from './watcher.js';
export type {
  AwaitWriteFinishOptions,
  ChokidarOptions,
  EventName,
  Matcher,
  MatcherObject,
  MatchFunction,
  PathEventName,
  RawDetails,
} from './types.js';

/** chokidar 4+'s default export; chokidar 3's `module.exports` had the same two members. */
export default { watch, FSWatcher };
