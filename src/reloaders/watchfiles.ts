/**
 * WatchfilesReloader: the same contract as StatReloader on the native watcher (subscribe()). It watches
 * the minimal set of roots for its watches (roots.ts) on ONE subscription (one inotify instance, one
 * batching thread), adding and removing roots as the watches change, and keeps only the changes to
 * watched files and globs. A root that does not exist yet is the watcher's to look for: it reports what
 * the root holds once it appears.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch, mergeBatches } from '../watch/batch.js';
import { resolveOptions } from '../watch/options.js';
import { subscribe } from '../watch/subscribe.js';
import { Change, WatchError, type ChangeBatch, type FileChange, type Subscription, type WatchOptions } from '../watch/types.js';
import { BaseReloader, positiveMs } from './base.js';
import { computeRoots, type WatchRoot } from './roots.js';
import { ignoredBelow } from './watch-list.js';

/** Watcher options passed through to subscribe(); see WatchOptions for each one's default. */
export type ReloaderWatchOptions = Pick<
  WatchOptions,
  | 'debounce'
  | 'step'
  | 'forcePolling'
  | 'pollDelay'
  | 'vcsSettle'
  | 'vcsSettleTimeout'
  | 'onLimit'
  | 'followSymlinks'
  | 'ignorePermissionDenied'
>;

export interface WatchfilesReloaderOptions extends ReloaderWatchOptions {
  /** How long one tick waits for a batch before it yields an empty one, in ms. Default 1000. */
  timeout?: number;
}

/** The option names WatchfilesReloader hands to subscribe(). */
export const PASSED_THROUGH: ReadonlySet<string> = new Set([
  'debounce', 'step', 'forcePolling', 'pollDelay', 'vcsSettle', 'vcsSettleTimeout', 'onLimit', 'followSymlinks',
  'ignorePermissionDenied',
]);

export class WatchfilesReloader extends BaseReloader {
  readonly name: string = 'watchfiles';
  readonly timeout: number;
  /** What subscribe() is given; WatchmanReloader adds its backend. */
  protected readonly watchOptions: WatchOptions;
  /** One subscription whatever the roots: they are added to it and removed from it as the watches change. */
  private subscription: Subscription | undefined;
  /** Directory -> recursive: the roots the subscription watches (one that does not exist yet is watched for). */
  private live = new Map<string, boolean>();
  /** Roots the subscription could not take (a file stands on their path): tried again at each step. */
  private refused = false;
  private syncedVersion = -1;
  private queue: ChangeBatch[] = [];
  private wake: (() => void) | undefined;

  constructor(options: WatchfilesReloaderOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('WatchfilesReloader: options must be an object');
    const watchOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if (key === 'timeout') continue;
      if (!PASSED_THROUGH.has(key)) throw new TypeError(`WatchfilesReloader: unknown option "${key}"`);
      watchOptions[key] = value;
    }
    this.timeout = positiveMs('WatchfilesReloader', 'timeout', options.timeout, 1000);
    // Validate now, so a bad option throws here rather than at the first tick.
    resolveOptions(process.cwd(), watchOptions);
    this.watchOptions = watchOptions;
  }

  /** The directories watched now (after the last tick), each recursive or not. */
  get roots(): WatchRoot[] {
    return [...this.live].map(([dir, recursive]) => ({ dir, recursive }));
  }

  /** How many native subscriptions are open: one once something is watched, whatever the roots. */
  get subscriptionCount(): number {
    return this.subscription ? 1 : 0;
  }

  /** The mechanism in use ('inotify', 'fsevents', 'js-poll', 'watchman'...); '' before the first tick. */
  get backend(): string {
    return this.subscription?.backend ?? '';
  }

  protected async step(signal: AbortSignal): Promise<ChangeBatch> {
    const placed = await this.sync(signal);
    if (signal.aborted) return makeBatch([]);
    // New watches are a step of their own: the caller learns at once that they are in place.
    if (!placed && !this.queue.length) await this.waitForBatch(signal);
    if (signal.aborted) return makeBatch([]);
    const batches = this.queue.splice(0);
    return batches.length ? mergeBatches(batches) : makeBatch([]);
  }

  protected async release(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.live = new Map();
    this.refused = false;
    this.syncedVersion = -1;
    this.queue = [];
    await subscription?.close();
  }

  /**
   * Brings the subscription's roots in line with the watches: new roots first, then the ones no watch
   * needs (so a wider root is in place before the narrower ones go). True when roots were added.
   */
  private async sync(signal: AbortSignal): Promise<boolean> {
    if (this.watches.version === this.syncedVersion && !this.refused) return false;
    const version = this.watches.version;
    const desired = new Map(computeRoots(this.watches).map((r) => [r.dir, r.recursive]));
    let placed = false;
    let refused = false;
    for (const [dir, recursive] of this.subscription ? desired : existingFirst(desired)) {
      if (this.live.get(dir) === recursive) continue;
      if (!(await this.place(dir, recursive, signal))) {
        refused = true;
        continue;
      }
      if (signal.aborted) return placed;
      this.live.set(dir, recursive);
      placed = true;
    }
    for (const dir of [...this.live.keys()]) {
      if (desired.has(dir)) continue;
      this.live.delete(dir);
      await this.subscription?.removeRoot(dir);
    }
    this.syncedVersion = version;
    this.refused = refused;
    return placed;
  }

  /**
   * Watches `dir` on the subscription, started by the first root (a missing one is watched for by the
   * watcher, and reported with what it holds once it appears). False when it cannot be watched (a file
   * stands on its path): tried again at the next step. Any other failure is the real cause of a reloader
   * that cannot watch, and is thrown.
   */
  private async place(dir: string, recursive: boolean, signal: AbortSignal): Promise<boolean> {
    try {
      if (this.subscription) await this.subscription.addRoot(dir, { recursive });
      else await this.start(dir, recursive, signal);
      return true;
    } catch (error) {
      if (error instanceof WatchError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return false;
      throw error;
    }
  }

  /**
   * Starts the subscription on `dir`. A watcher starts on a directory that exists: when `dir` does not
   * (yet), it starts on the nearest existing directory above it, which leaves once `dir` is added.
   */
  private async start(dir: string, recursive: boolean, signal: AbortSignal): Promise<void> {
    const first = nearestDirectory(dir);
    const subscription = await subscribe(first, (batch) => this.accept(batch), {
      ...this.watchOptions,
      recursive: first === dir ? recursive : false,
      persistent: false,
      onError: (e) => this.emitError(e),
    });
    // stop() may have run while we waited: it cannot see this subscription, so close it here.
    if (signal.aborted) return subscription.close();
    this.subscription = subscription;
    if (first !== dir) {
      await subscription.addRoot(dir, { recursive }).finally(() => subscription.removeRoot(first));
    }
  }

  /** Keeps the changes of a batch that concern our watches, and queues them. */
  private accept(batch: ChangeBatch): void {
    const kept = new Map<string, FileChange>();
    const keep = (c: FileChange) => {
      if (!kept.has(c.path)) kept.set(c.path, c);
    };
    for (const c of batch) {
      if (!c.isDir) {
        if (this.watches.isWatched(c.path)) keep(c);
      } else if (c.change === Change.deleted) {
        this.expandDeletedDir(c, keep);
      }
      // A new directory is no change by itself: the watcher reports the files found in it.
    }
    if (!kept.size && !batch.rescan) return;
    this.queue.push(makeBatch([...kept.values()], batch.rescan));
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * A directory went away, maybe in one rename with no event per file: its watched files went with it. A
   * glob below or around it may have lost files we never listed, so the directory itself is reported too.
   */
  private expandDeletedDir(c: FileChange, keep: (c: FileChange) => void): void {
    const prefix = c.path + path.sep;
    for (const file of [...this.watches.files.keys(), ...this.watches.errorFiles.keys()]) {
      if (file.startsWith(prefix)) keep({ change: Change.deleted, path: file });
    }
    for (const g of this.watches.globs.values()) {
      const globInside = g.walkDir === c.path || g.walkDir.startsWith(prefix);
      const dirInGlob = g.maxDepth > 1 && c.path.startsWith(g.walkDir + path.sep) && !ignoredBelow(path.relative(g.walkDir, c.path));
      if (globInside || dirInGlob) return keep(c);
    }
  }

  private waitForBatch(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      // Ref'd on purpose: the subscriptions are not persistent, a running reloader keeps Node alive.
      const timer = setTimeout(done, this.timeout);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The roots that exist first: one of them starts the subscription, and the missing ones are added to it. */
function existingFirst(roots: Map<string, boolean>): Array<[string, boolean]> {
  return [...roots].sort(([a], [b]) => Number(isDirectory(b)) - Number(isDirectory(a)));
}

/** `dir` when it is a directory, else the nearest directory above it. */
function nearestDirectory(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (isDirectory(d) || path.dirname(d) === d) return d;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
