/**
 * watchfiles-node: a Rust-backed file watcher for Node.js. See README.md for the guide.
 */
export { Change, WatchError } from './watch/types.js';
export type { AddRootOptions, ChangeBatch, FileChange, Subscription, WatchErrorCode, WatchFilter, WatchOptions } from './watch/types.js';
export { DefaultFilter, DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES } from './watch/filters.js';
export type { DefaultFilterOptions } from './watch/filters.js';
export { watch } from './watch/watch.js';
export { subscribe } from './watch/subscribe.js';
export type { BatchCallback } from './watch/subscribe.js';
export { mergeBatches } from './watch/batch.js';
export { changesSince, writeSnapshot } from './watch/since.js';
export type { SinceOptions } from './watch/since.js';
export { nativeLoadError } from './watch/addon.js';
export * from './reloaders/index.js';
export * from './run/index.js';
export * from './livereload/index.js';
