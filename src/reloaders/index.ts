/**
 * Reloaders: decide when a dev server must reload. See docs/reloaders.md.
 */
export { BaseReloader } from './base.js';
export type { ReloaderEvent, ReloaderEvents } from './events.js';
export { StatReloader } from './stat.js';
export type { StatReloaderOptions } from './stat.js';
export { WatchfilesReloader } from './watchfiles.js';
export type { ReloaderWatchOptions, WatchfilesReloaderOptions } from './watchfiles.js';
export { WatchmanReloader } from './watchman.js';
export type { WatchmanReloaderOptions } from './watchman.js';
export type { WatchRoot } from './roots.js';
export { getReloader } from './select.js';
export type { GetReloaderOptions, ReloaderName } from './select.js';
