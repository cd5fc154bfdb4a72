/**
 * watchfiles-node/webpack: make webpack 5 (and webpack-dev-server) watch through watchfiles-node.
 *
 *     const { WatchfilesWebpackPlugin } = require('watchfiles-node/webpack');
 *     module.exports = { plugins: [new WatchfilesWebpackPlugin()] };
 *
 * See docs/webpack.md.
 */
import { WatchfilesWebpackPlugin } from './plugin.js';

export { WatchfilesWebpackPlugin } from './plugin.js';
export type { CompilerLike, WatchfilesWebpackPluginOptions } from './plugin.js';
export { WatchfilesWatchFileSystem, DEFAULT_POLL_MS } from './watch-file-system.js';
export type {
  PurgeableFileSystem,
  WatchCallback,
  WatchFileSystemOptions,
  WatchInfo,
  WebpackWatcher,
  WebpackWatchOptions,
} from './watch-file-system.js';
export { WatchpackLike } from './watchpack-like.js';
export type { WatchpackLikeEvents } from './watchpack-like.js';
export type { FileEntry, TimeInfoEntries, TimeInfoEntry } from './time-info.js';

export default WatchfilesWebpackPlugin;
