/**
 * WatchfilesReloader: the same contract as StatReloader on the native watcher (subscribe()). It watches
 * the minimal set of roots for its watches (roots.ts) on ONE subscription (one inotify instance, one
 * batching thread), adding and removing roots as the watches change, and keeps only the changes to
 * watched files and globs. A root that does not exist yet is the watcher's to look for: it reports what
 * the root holds once it appears.
 */
import path from 'node:path';
import { makeBatch, mergeBatches } from '../watch/batch.js';
import { RELOADER_OPTIONS, type ReloaderOptionName } from '../watch/option-table.js';
import { deriveResolved, resolveOptions, type ResolvedOptions } from '../watch/options.js';
import { RootSet } from '../watch/root-set.js';
import { start } from '../watch/subscribe.js';
import { Change, type ChangeBatch, type FileChange, type WatchError, type WatchOptions } from '../watch/types.js';
import { BaseReloader, positiveMs } from './base.js';
import { computeRoots, type WatchRoot } from './roots.js';
import { ignoredByDefault, isUnder } from '../watch/filters.js';

/** Watcher options passed through to the watcher (those marked `reloader` in the option table); see WatchOptions for each one's default. */
export type ReloaderWatchOptions = Pick<WatchOptions, ReloaderOptionName>;

export interface WatchfilesReloaderOptions extends ReloaderWatchOptions {
  /**
   * How long one tick() waits for a batch before it yields an empty one, in ms. Default 1000. Under run() a
   * step waits for changes without a timeout; this then only paces the look for missing watched directories.
   */
  timeout?: number;
}


export class WatchfilesReloader extends BaseReloader {
  readonly name: string = 'watchfiles';
  readonly timeout: number;
  /** The watcher options, validated once here: the subscription derives its own from them without validating again (WatchmanReloader sets its backend). */
  protected resolved: ResolvedOptions;
  /** One subscription whatever the roots: they are added to it and removed from it as the watches change. */
  private rootSet: RootSet = this.newRootSet();
  /** Some roots could not be watched (a file stands on their path): tried again at each step. */
  private refused = false;
  private queue: ChangeBatch[] = [];
  private wake: (() => void) | undefined;

  constructor(options: WatchfilesReloaderOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('WatchfilesReloader: options must be an object');
    const watchOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if (key === 'timeout') continue;
      if (!RELOADER_OPTIONS.has(key)) throw new TypeError(`WatchfilesReloader: unknown option "${key}"`);
      watchOptions[key] = value;
    }
    this.timeout = positiveMs('WatchfilesReloader', 'timeout', options.timeout, 1000);
    // Validate now, so a bad option throws here rather than at the first tick.
    this.resolved = resolveOptions(process.cwd(), watchOptions);
  }

  /** The directories watched now (after the last tick), each recursive or not; one may not exist yet. */
  get roots(): WatchRoot[] {
    return [...this.rootSet.roots].map(([dir, recursive]) => ({ dir, recursive }));
  }

  /** How many native subscriptions are open: one once something is watched, whatever the roots. */
  get subscriptionCount(): number {
    return this.rootSet.started ? 1 : 0;
  }

  /** The mechanism in use ('inotify', 'fsevents', 'js-poll', 'watchman'...); '' before the first tick. */
  get backend(): string {
    return this.rootSet.backend;
  }

  protected async step(signal: AbortSignal, untilChange: boolean): Promise<ChangeBatch> {
    let placed = await this.sync(signal);
    if (signal.aborted) return makeBatch([]);
    // New watches are a step of their own: the caller learns at once that they are in place.
    if (!placed && !this.queue.length) {
      await this.waitForBatch(signal, untilChange);
      // Watches added while we waited are placed now, not a `timeout` later.
      if (!signal.aborted && this.watches.version !== this.placedVersion) placed = await this.sync(signal);
    }
    if (signal.aborted) return makeBatch([]);
    const batches = this.queue.splice(0);
    return batches.length ? mergeBatches(batches) : makeBatch([]);
  }

  protected async release(): Promise<void> {
    const rootSet = this.rootSet;
    this.rootSet = this.newRootSet();
    this.refused = false;
    this.queue = [];
    await rootSet.close();
  }

  /** Brings the subscription's roots in line with the watches. True when roots were added. */
  private async sync(signal: AbortSignal): Promise<boolean> {
    if (this.watches.version === this.placedVersion && !this.refused) return false;
    const version = this.watches.version;
    const rootSet = this.rootSet;
    const { added, refused } = await rootSet.set(new Map(computeRoots(this.watches).map((r) => [r.dir, r.recursive])));
    if (signal.aborted || rootSet !== this.rootSet) return false;
    this.refused = refused.length > 0;
    this.placed(version);
    return added.length > 0;
  }

  private newRootSet(): RootSet {
    return new RootSet((dir, recursive) => {
      const onError = (e: WatchError) => this.emitError(e);
      return start(
        deriveResolved(this.resolved, { roots: [dir], recursive, persistent: false, onError }),
        (batch) => this.accept(batch),
        onError,
      );
    });
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
    for (const file of [...this.watches.files.keys(), ...this.watches.errorFiles.keys()]) {
      if (file !== c.path && isUnder(c.path, file)) keep({ change: Change.deleted, path: file });
    }
    for (const g of this.watches.globs.values()) {
      const globInside = isUnder(c.path, g.walkDir);
      const dirInGlob = g.maxDepth > 1 && c.path !== g.walkDir && isUnder(g.walkDir, c.path) && !ignoredByDefault(c.path, g.walkDir);
      if (globInside || dirInGlob) return keep(c);
    }
  }

  /** A step waiting for a batch wakes up to place new watches (they go on the running subscription). */
  protected override watchesChanged(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Until a batch is queued, new watches, stop(), or `timeout`. With `untilChange` there is no timeout (an
   * idle reloader then never wakes; roots that do not exist yet are the watcher's to look for), unless a
   * root was refused (a file stands on its path): that is tried again once per `timeout`.
   */
  private waitForBatch(signal: AbortSignal, untilChange: boolean): Promise<void> {
    const forever = untilChange && !this.refused;
    return new Promise((resolve) => {
      // Watches changed since the sync (before this wait could be woken): place them first.
      if (this.watches.version !== this.placedVersion) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      // Ref'd on purpose: the subscriptions are not persistent, a running reloader keeps Node alive. Without
      // a timeout, an interval as long as setTimeout allows does that and never fires in practice.
      const timer = forever ? setInterval(() => {}, 2 ** 31 - 1) : setTimeout(done, this.timeout);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
