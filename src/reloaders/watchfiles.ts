/**
 * WatchfilesReloader: the same contract as StatReloader on the native watcher (subscribe()). It watches
 * the minimal set of roots for its watches (roots.ts), keeps only the changes to watched files and
 * globs, and when watches are added it starts a subscription for the new roots only: the running ones
 * keep their OS watches, and a subscription whose roots a wider one now covers is closed afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch, mergeBatches } from '../watch/batch.js';
import { resolveOptions } from '../watch/options.js';
import { subscribe } from '../watch/subscribe.js';
import { Change, WatchError, type ChangeBatch, type FileChange, type Subscription, type WatchOptions } from '../watch/types.js';
import { BaseReloader, positiveMs } from './base.js';
import { computeRoots, covers, rootKey, type WatchRoot } from './roots.js';
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
  /**
   * How long one tick() waits for a batch before it yields an empty one, in ms. Default 1000. Under run() a
   * step waits for changes without a timeout; this then only paces the look for missing watched directories.
   */
  timeout?: number;
}

/** The option names WatchfilesReloader hands to subscribe(). */
export const PASSED_THROUGH: ReadonlySet<string> = new Set([
  'debounce', 'step', 'forcePolling', 'pollDelay', 'vcsSettle', 'vcsSettleTimeout', 'onLimit', 'followSymlinks',
  'ignorePermissionDenied',
]);

interface Sub {
  readonly subscription: Subscription;
  readonly roots: readonly WatchRoot[];
}

export class WatchfilesReloader extends BaseReloader {
  readonly name: string = 'watchfiles';
  readonly timeout: number;
  /** What subscribe() is given; WatchmanReloader adds its backend. */
  protected readonly watchOptions: WatchOptions;
  private subs: Sub[] = [];
  /** Root key -> the subscription whose events for that root are kept (one per root, so none twice). */
  private owner = new Map<string, Sub>();
  /** Keys of roots that did not exist at the last sync: watched once they appear. */
  private pending = new Set<string>();
  private desired: WatchRoot[] = [];
  private syncedVersion = -1;
  private queue: ChangeBatch[] = [];
  private wake: (() => void) | undefined;
  /** Ends a wait with no timeout when watches are added or cleared. */
  private wakeOnWatches: (() => void) | undefined;

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
    return this.desired.filter((r) => this.owner.has(rootKey(r)));
  }

  /** How many native subscriptions are open. */
  get subscriptionCount(): number {
    return this.subs.length;
  }

  /** The mechanisms in use ('inotify', 'fsevents', 'js-poll', 'watchman'...), '+'-joined; '' before the first tick. */
  get backend(): string {
    return [...new Set(this.subs.map((s) => s.subscription.backend))].join('+');
  }

  protected async step(signal: AbortSignal, untilChange: boolean): Promise<ChangeBatch> {
    const { placed, appeared } = await this.sync(signal);
    if (signal.aborted) return makeBatch([]);
    // New watches are a step of their own: the caller learns at once that they are in place.
    if (!placed && !this.queue.length && !appeared.length) await this.waitForBatch(signal, untilChange);
    if (signal.aborted) return makeBatch([]);
    const batches = this.queue.splice(0);
    if (appeared.length) batches.unshift(makeBatch(appeared));
    return batches.length ? mergeBatches(batches) : makeBatch([]);
  }

  protected async release(): Promise<void> {
    const subs = this.subs;
    this.subs = [];
    this.owner = new Map();
    this.pending = new Set();
    this.desired = [];
    this.syncedVersion = -1;
    this.queue = [];
    await Promise.all(subs.map((s) => s.subscription.close()));
  }

  /** Brings the subscriptions in line with the watches; reports the files of roots that appeared since. */
  private async sync(signal: AbortSignal): Promise<{ placed: boolean; appeared: FileChange[] }> {
    if (this.watches.version === this.syncedVersion && this.pending.size === 0) return { placed: false, appeared: [] };
    const version = this.watches.version;
    const desired = computeRoots(this.watches);
    const pending = new Set<string>();
    const assigned = new Map<string, Sub>();
    const toStart: WatchRoot[] = [];
    const appearedRoots: WatchRoot[] = [];
    for (const root of desired) {
      const key = rootKey(root);
      const sub = this.subs.find((s) => s.roots.some((r) => rootKey(r) === key));
      if (sub) assigned.set(key, sub);
      else if (fs.statSync(root.dir, { throwIfNoEntry: false })?.isDirectory()) {
        toStart.push(root);
        if (this.pending.has(key)) appearedRoots.push(root);
      } else pending.add(key);
    }

    let placed = false;
    for (const recursive of [true, false]) {
      const group = toStart.filter((r) => r.recursive === recursive);
      const sub = await this.startSubscription(group, pending, signal);
      if (!sub) continue;
      placed = true;
      // Claim the new roots at once: their events must not be dropped while the rest of the sync runs.
      for (const root of sub.roots) {
        assigned.set(rootKey(root), sub);
        this.owner.set(rootKey(root), sub);
      }
    }
    if (signal.aborted) return { placed, appeared: [] };

    this.owner = assigned;
    this.desired = desired;
    this.pending = pending;
    this.syncedVersion = version;
    // Close what no root needs any more (covered by a wider new root, or its watches were cleared).
    const used = new Set(assigned.values());
    const unused = this.subs.filter((s) => !used.has(s));
    this.subs = this.subs.filter((s) => used.has(s));
    await Promise.all(unused.map((s) => s.subscription.close()));
    return { placed, appeared: this.filesUnder(appearedRoots) };
  }

  /**
   * Subscribes to `roots` (all recursive or all not). A root that vanished since we looked goes back to
   * `pending`; any other failure is the real cause of a reloader that cannot start, and is thrown.
   */
  private async startSubscription(roots: WatchRoot[], pending: Set<string>, signal: AbortSignal): Promise<Sub | undefined> {
    let remaining = roots;
    while (remaining.length && !signal.aborted) {
      const recursive = remaining[0]!.recursive;
      let sub: Sub | undefined;
      const subscription = await subscribe(
        remaining.map((r) => r.dir),
        (batch) => {
          if (sub) this.accept(sub, batch);
        },
        { ...this.watchOptions, recursive, persistent: false, onError: (e) => this.emitError(e) },
      ).catch((error: unknown) => {
        const gone = error instanceof WatchError && (error.code === 'ENOENT' || error.code === 'ENOTDIR') ? error.path : undefined;
        const root = remaining.find((r) => r.dir === gone);
        if (!root) throw error;
        pending.add(rootKey(root));
        remaining = remaining.filter((r) => r !== root);
        return undefined;
      });
      if (!subscription) continue;
      // stop() may have run while we waited: it cannot see this subscription, so close it here.
      if (signal.aborted) {
        await subscription.close();
        return undefined;
      }
      sub = { subscription, roots: remaining };
      this.subs.push(sub);
      return sub;
    }
    return undefined;
  }

  /** Keeps the changes of a batch that concern our watches and that `sub` is the owner of, and queues them. */
  private accept(sub: Sub, batch: ChangeBatch): void {
    const kept = new Map<string, FileChange>();
    const keep = (c: FileChange) => {
      if (!kept.has(c.path)) kept.set(c.path, c);
    };
    for (const c of batch) {
      if (this.holder(c.path) !== sub) continue;
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

  /** The subscription that owns the root holding `p`: its parent's flat root, else the nearest recursive one. */
  private holder(p: string): Sub | undefined {
    const flat = this.owner.get(`n:${path.dirname(p)}`);
    if (flat) return flat;
    for (let dir = p; ; dir = path.dirname(dir)) {
      const sub = this.owner.get(`r:${dir}`);
      if (sub) return sub;
      if (path.dirname(dir) === dir) break;
    }
    return this.owner.get(`n:${p}`);
  }

  protected override watchesChanged(): void {
    this.wakeOnWatches?.();
  }

  /**
   * Until a batch is queued, stop(), or `timeout`. With `untilChange` there is no timeout while nothing is
   * pending (an idle reloader then never wakes): new watches end the wait instead, and roots that do not
   * exist yet are still looked for once per `timeout`.
   */
  private waitForBatch(signal: AbortSignal, untilChange: boolean): Promise<void> {
    const forever = untilChange && this.pending.size === 0;
    // Watches added while the last sync awaited: sync them now rather than wait.
    if (forever && this.watches.version !== this.syncedVersion) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        if (this.wakeOnWatches === done) this.wakeOnWatches = undefined;
        resolve();
      };
      // Ref'd on purpose: the subscriptions are not persistent, a running reloader keeps Node alive. Without
      // a timeout, an interval as long as setTimeout allows does that and never fires in practice.
      const timer = forever ? setInterval(() => {}, 2 ** 31 - 1) : setTimeout(done, this.timeout);
      if (forever) this.wakeOnWatches = done;
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The watched files that exist under roots that just appeared: they were created while we could not watch. */
  private filesUnder(roots: WatchRoot[]): FileChange[] {
    if (!roots.length) return [];
    const out: FileChange[] = [];
    for (const file of this.watches.entries().keys()) {
      const dir = path.dirname(file);
      const inside = roots.some((r) => (r.recursive ? covers(r.dir, dir) : r.dir === dir));
      if (inside && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) out.push({ change: Change.added, path: file });
    }
    return out;
  }
}
