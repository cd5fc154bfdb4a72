/**
 * WatchmanReloader: WatchfilesReloader on backend 'watchman'. A running watchman server does the watching
 * (one crawl and one set of OS watches shared with every other tool that uses it, VCS-aware settling);
 * this process holds a socket. A server that cannot be reached fails the first tick with the EWATCHMAN
 * error that says why: forcing this reloader never falls back silently.
 */
import { deriveResolved } from '../watch/options.js';
import { WatchfilesReloader, type ReloaderWatchOptions } from './watchfiles.js';

/** onLimit is accepted and unused: the server holds the OS watches, and its own limits apply. */
export type WatchmanReloaderOptions = Omit<ReloaderWatchOptions, 'forcePolling' | 'pollDelay'> & {
  /** How long one tick waits for a batch before it yields an empty one, in ms. Default 1000. */
  timeout?: number;
};

const NOT_FOR_WATCHMAN = ['forcePolling', 'pollDelay'];

export class WatchmanReloader extends WatchfilesReloader {
  override readonly name: string = 'watchman';

  constructor(options: WatchmanReloaderOptions = {}) {
    if (options !== null && typeof options === 'object') {
      for (const key of NOT_FOR_WATCHMAN) {
        if (key in options) throw new TypeError(`WatchmanReloader: option "${key}" does not apply: the watchman server decides how it watches`);
      }
    }
    super(options);
    this.resolved = deriveResolved(this.resolved, { backend: 'watchman' });
  }
}
