/**
 * watchfiles-node: a Rust-backed file watcher for Node.js. See README.md for the guide.
 */
export { Change, WatchError } from './types.js';
export type { ChangeBatch, FileChange, Subscription, WatchErrorCode, WatchFilter, WatchOptions } from './types.js';
export { DefaultFilter, DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES } from './filters.js';
export type { DefaultFilterOptions } from './filters.js';
export { watch } from './watch.js';
export { subscribe } from './subscribe.js';
export type { BatchCallback } from './subscribe.js';
export { mergeBatches } from './batch.js';
export { changesSince, writeSnapshot } from './since.js';
export type { SinceOptions } from './since.js';
export { nativeLoadError } from './native.js';
export * from './reloaders/index.js';
export * from './run/index.js';
export * from './livereload/index.js';
