/**
 * getReloader(): the best reloader this machine can run. WatchfilesReloader when the native binary
 * loads; otherwise StatReloader, after one stderr line that says why and how to fix it. A reloader
 * forced by option (or WATCHFILES_RELOADER) that cannot start throws with the real cause instead.
 */
import { loadNative, nativeLoadError } from '../native.js';
import type { BaseReloader } from './base.js';
import { StatReloader } from './stat.js';
import { PASSED_THROUGH, WatchfilesReloader, type ReloaderWatchOptions } from './watchfiles.js';

export type ReloaderName = 'stat' | 'watchfiles';

export interface GetReloaderOptions extends ReloaderWatchOptions {
  /** Force a reloader. Default: env WATCHFILES_RELOADER, else the best available. */
  reloader?: ReloaderName;
  /** StatReloader: time between two stat passes, ms. Default 1000. */
  interval?: number;
  /** WatchfilesReloader: how long one tick waits for a batch, ms. Default 1000. */
  timeout?: number;
}

const NAMES: readonly ReloaderName[] = ['stat', 'watchfiles'];
let warned = false;

export function getReloader(options: GetReloaderOptions = {}): BaseReloader {
  if (options === null || typeof options !== 'object') throw new TypeError('getReloader: options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'reloader' && key !== 'interval' && key !== 'timeout' && !PASSED_THROUGH.has(key)) {
      throw new TypeError(`getReloader: unknown option "${key}"`);
    }
  }
  const { reloader, interval, ...watchOptions } = options;
  const fromEnv = process.env.WATCHFILES_RELOADER || undefined;
  const forced = reloader ?? fromEnv;
  if (forced !== undefined && !NAMES.includes(forced as ReloaderName)) {
    const source = reloader !== undefined ? 'option "reloader"' : 'environment variable WATCHFILES_RELOADER';
    throw new TypeError(`getReloader: ${source} must be one of 'stat', 'watchfiles', got ${JSON.stringify(forced)}`);
  }
  const stat = () => new StatReloader(interval === undefined ? {} : { interval });
  const watchfiles = () => new WatchfilesReloader(watchOptions);

  if (forced === 'stat') return stat();
  if (forced === 'watchfiles') {
    if (!loadNative()) throw new Error(`the watchfiles reloader cannot start: ${nativeLoadError()}`);
    return watchfiles();
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
