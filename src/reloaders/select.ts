/**
 * getReloader(): the best reloader this machine can run. WatchmanReloader where the project asks for
 * watchman (a .watchmanconfig in the working directory or above it) and watchman is installed; else
 * WatchfilesReloader when the native binary loads; otherwise StatReloader, after one stderr line that says
 * why and how to fix it. A reloader forced by option (or WATCHFILES_RELOADER) that cannot start throws with
 * the real cause instead (a forced watchman: its EWATCHMAN error, at the first tick).
 */
import { loadNative, nativeLoadError } from '../watch/addon.js';
import type { BaseReloader } from './base.js';
import { StatReloader } from './stat.js';
import { findWatchmanConfig, watchmanInstalled } from '../watchman/connect.js';
import { RELOADER_OPTIONS } from '../watch/option-table.js';
import { WatchfilesReloader, type ReloaderWatchOptions } from './watchfiles.js';
import { WatchmanReloader } from './watchman.js';

export type ReloaderName = 'stat' | 'watchfiles' | 'watchman';

export interface GetReloaderOptions extends ReloaderWatchOptions {
  /** Force a reloader. Default: env WATCHFILES_RELOADER, else the best available. */
  reloader?: ReloaderName;
  /** StatReloader: time between two stat passes, ms. Default 1000. */
  interval?: number;
  /** WatchfilesReloader: how long one tick waits for a batch, ms. Default 1000. */
  timeout?: number;
}

const NAMES: readonly ReloaderName[] = ['stat', 'watchfiles', 'watchman'];
let warned = false;
let warnedWatchman = false;

export function getReloader(options: GetReloaderOptions = {}): BaseReloader {
  if (options === null || typeof options !== 'object') throw new TypeError('getReloader: options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'reloader' && key !== 'interval' && key !== 'timeout' && !RELOADER_OPTIONS.has(key)) {
      throw new TypeError(`getReloader: unknown option "${key}"`);
    }
  }
  const { reloader, interval, ...watchOptions } = options;
  const fromEnv = process.env.WATCHFILES_RELOADER || undefined;
  const forced = reloader ?? fromEnv;
  if (forced !== undefined && !NAMES.includes(forced as ReloaderName)) {
    const source = reloader !== undefined ? 'option "reloader"' : 'environment variable WATCHFILES_RELOADER';
    throw new TypeError(`getReloader: ${source} must be one of 'stat', 'watchfiles', 'watchman', got ${JSON.stringify(forced)}`);
  }
  // The watcher options go to whichever reloader is chosen: StatReloader honours them too (or refuses one by name).
  const { timeout: _timeout, ...statOptions } = watchOptions;
  const stat = () => new StatReloader(interval === undefined ? statOptions : { ...statOptions, interval });
  const watchfiles = () => new WatchfilesReloader(watchOptions);

  const watchman = () => new WatchmanReloader(watchOptions);

  if (forced === 'stat') return stat();
  if (forced === 'watchman') return watchman();
  if (forced === 'watchfiles') {
    if (!loadNative()) throw new Error(`the watchfiles reloader cannot start: ${nativeLoadError()}`);
    return watchfiles();
  }
  // Polling options say "this filesystem needs polling": the watchman server does not poll, so they keep the native watcher.
  const config = 'forcePolling' in watchOptions || 'pollDelay' in watchOptions ? undefined : findWatchmanConfig(process.cwd());
  if (config) {
    if (watchmanInstalled()) return watchman();
    if (!warnedWatchman) {
      warnedWatchman = true;
      process.stderr.write(
        `watchfiles-node: ${config} asks for watchman, but it is not installed (no watchman on PATH, WATCHMAN_SOCK unset); ` +
          `using the native watcher. Install watchman, or pass { reloader: 'watchfiles' } to silence this line\n`,
      );
    }
  }
  if (loadNative()) return watchfiles();
  const chosen = stat();
  if (!warned) {
    warned = true;
    process.stderr.write(
      `watchfiles-node: using StatReloader (stats every watched file each ${chosen.interval} ms) because ${nativeLoadError()}; ` +
        `pass { reloader: 'stat' } or set WATCHFILES_RELOADER=stat to choose it on purpose and silence this line\n`,
    );
  }
  return chosen;
}
