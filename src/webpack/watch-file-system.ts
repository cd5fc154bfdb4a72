/**
 * A webpack 5 watch file system (what `compiler.watchFileSystem` holds) on the watchfiles-node core,
 * with the contract of webpack's NodeWatchFileSystem over watchpack:
 *   watch(files, directories, missing, startTime, options, callback, callbackUndelayed)
 *     -> { close, pause, getInfo, getFileTimeInfoEntries, getContextTimeInfoEntries, ... }
 * `callbackUndelayed(file, mtime)` is called on the first change, `callback(null, fileTimeInfoEntries,
 * contextTimeInfoEntries, changes, removals)` once `aggregateTimeout` ms passed without another one;
 * then the watch pauses until webpack calls watch() again after its rebuild. A change made while the
 * build ran (a file newer than `startTime`) is reported as soon as the watch starts.
 *
 * The native watches are kept across watch() calls (webpack calls it after every build with nearly the
 * same lists) and only re-planned for what is new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_IGNORE_DIRS, DefaultFilter } from '../watch/filters.js';
import { subscribe } from '../watch/subscribe.js';
import { SubscriptionSet, type WatchTarget } from '../chokidar/subscriptions.js';
import { Change, type ChangeBatch, type Subscription, type WatchOptions } from '../watch/types.js';
import { compileIgnored, type CompiledIgnored } from './ignored.js';
import { ancestorsOf, collectItems, planTargets, type WatchedItems } from './targets.js';
import { EXISTENCE_ONLY, mtimeAccuracy, observe, type TimeInfoEntries, type TimeInfoEntry } from './time-info.js';
import { WatchpackLike } from './watchpack-like.js';

/** Batching asked of the core; webpack's own `aggregateTimeout` is applied on top, as watchpack does. */
export const WEBPACK_STEP_MS = 5;
export const WEBPACK_DEBOUNCE_MS = 100;
/** watchpack's interval for `poll: true`. */
export const DEFAULT_POLL_MS = 5007;

/** webpack's watchOptions, as it passes them to watch(). */
export interface WebpackWatchOptions {
  aggregateTimeout?: number;
  ignored?: unknown;
  poll?: boolean | number;
  followSymlinks?: boolean;
  stdin?: boolean;
}

/** The parts of webpack's input file system a watch file system uses: its cache purge. */
export interface PurgeableFileSystem {
  purge?: (what?: string | string[] | Set<string>, options?: { exact?: boolean; readdirPrefix?: boolean }) => void;
}

export type WatchCallback = (
  err: Error | null,
  fileTimeInfoEntries?: TimeInfoEntries,
  contextTimeInfoEntries?: TimeInfoEntries,
  changes?: Set<string>,
  removals?: Set<string>,
) => void;

export interface WatchInfo {
  changes: Set<string>;
  removals: Set<string>;
  fileTimeInfoEntries: TimeInfoEntries;
  contextTimeInfoEntries: TimeInfoEntries;
}

/** What watch() returns (webpack's Watcher). */
export interface WebpackWatcher {
  close(): void;
  pause(): void;
  getInfo(): WatchInfo;
  getAggregatedChanges(): Set<string>;
  getAggregatedRemovals(): Set<string>;
  getFileTimeInfoEntries(): TimeInfoEntries;
  getContextTimeInfoEntries(): TimeInfoEntries;
}

export interface WatchFileSystemOptions {
  /** Skip node_modules, .git and the other default directories below watched context directories. Default true. */
  defaultIgnores?: boolean;
  /** Where watch errors go. Default: stderr. */
  onError?: (error: Error) => void;
}

type Lookup = Iterable<string> & { has(item: string): boolean };

export class WatchfilesWatchFileSystem {
  /** watchpack-shaped events for plugins that listen to `compiler.watchFileSystem.watcher`. */
  readonly watcher = new WatchpackLike();
  private engine?: Engine;
  private session?: Session;
  private watched?: { files: Lookup; directories: Lookup; missing: Lookup };

  constructor(
    readonly inputFileSystem: PurgeableFileSystem | undefined,
    private readonly options: WatchFileSystemOptions = {},
  ) {}

  watch(
    files: Iterable<string>,
    directories: Iterable<string>,
    missing: Iterable<string>,
    startTime: number | undefined,
    options: WebpackWatchOptions,
    callback: WatchCallback,
    callbackUndelayed?: (file: string, mtime: number) => void,
  ): WebpackWatcher {
    for (const [name, v] of [['files', files], ['directories', directories], ['missing', missing]] as const) {
      if (!v || typeof (v as Iterable<string>)[Symbol.iterator] !== 'function') {
        throw new TypeError(`watchfiles-node/webpack: watch() needs an iterable of paths as "${name}"`);
      }
    }
    if (typeof callback !== 'function') throw new TypeError('watchfiles-node/webpack: watch() needs a callback');
    if (startTime !== undefined && startTime !== null && typeof startTime !== 'number') {
      throw new TypeError('watchfiles-node/webpack: watch() startTime must be a number');
    }
    if (!options || typeof options !== 'object') throw new TypeError('watchfiles-node/webpack: watch() options must be an object');
    const lookups = { files: toLookup(files), directories: toLookup(directories), missing: toLookup(missing) };
    this.purgeUnwatched(lookups);

    const ignored = compileIgnored(options.ignored);
    const engine = this.engineFor(options, ignored);
    const items = collectItems(lookups.files, lookups.directories, lookups.missing, ignored.test, !!options.followSymlinks);
    const aggregateTimeout = typeof options.aggregateTimeout === 'number' ? options.aggregateTimeout : 200;

    this.session?.supersede();
    this.watcher.aggregatedChanges = new Set();
    this.watcher.aggregatedRemovals = new Set();
    const session = new Session(this, engine, items, ignored, aggregateTimeout, startTime ?? 0, callback, callbackUndelayed);
    this.session = session;
    this.watcher.source = session;
    this.watcher.paused = false;
    engine.session = session;
    session.start();

    return {
      close: () => {
        // webpack closes the watcher it holds, which is the newest one.
        if (this.session === session) this.closeAll();
        else session.supersede();
      },
      pause: () => session.pause(),
      getInfo: () => session.info(),
      getAggregatedChanges: () => {
        const items = this.watcher.aggregatedChanges;
        this.purge(items);
        return items;
      },
      getAggregatedRemovals: () => {
        const items = this.watcher.aggregatedRemovals;
        this.purge(items);
        return items;
      },
      getFileTimeInfoEntries: () => session.timeInfo().fileTimeInfoEntries,
      getContextTimeInfoEntries: () => session.timeInfo().contextTimeInfoEntries,
    };
  }

  /** Stops every native watch. watch() may be called again afterwards. */
  closeAll(): void {
    this.session?.supersede();
    this.session = undefined;
    this.watcher.source = undefined;
    this.watcher.paused = true;
    const engine = this.engine;
    this.engine = undefined;
    void engine?.close();
  }

  /** @internal */
  reportError(error: Error): void {
    const onError = this.options.onError;
    if (onError) {
      try {
        onError(error);
        return;
      } catch {
        // fall through to stderr
      }
    }
    process.stderr.write(`watchfiles-node/webpack: ${error.message}\n`);
  }

  /** @internal Forgets cached reads of what changed (webpack's CachedInputFileSystem). */
  purge(items: Iterable<string>, directories?: Set<string>): void {
    const fs = this.inputFileSystem;
    if (!fs?.purge) return;
    for (const item of items) {
      if (directories?.has(item)) fs.purge(item, { exact: true, readdirPrefix: true });
      else fs.purge(item);
    }
  }

  /** An edit to a path nobody watches is never reported, so its cached read must go now (as NodeWatchFileSystem does). */
  private purgeUnwatched(next: { files: Lookup; directories: Lookup; missing: Lookup }): void {
    const previous = this.watched;
    this.watched = next;
    const fs = this.inputFileSystem;
    if (!previous || !fs?.purge) return;
    const dropped: string[] = [];
    for (const list of [previous.files, previous.directories, previous.missing]) {
      for (const item of list) {
        if (!next.files.has(item) && !next.directories.has(item) && !next.missing.has(item)) dropped.push(item);
      }
    }
    if (dropped.length > 0) fs.purge(dropped, { exact: true });
  }

  /** The native watches, reused while the options that shape them stay the same. */
  private engineFor(options: WebpackWatchOptions, ignored: CompiledIgnored): Engine {
    const poll = options.poll;
    if (poll !== undefined && poll !== null && typeof poll !== 'boolean' && !(typeof poll === 'number' && poll > 0)) {
      throw new TypeError(`watchfiles-node/webpack: watchOptions.poll must be a boolean or a positive number of ms, got ${String(poll)}`);
    }
    const key = JSON.stringify([poll ?? false, !!options.followSymlinks, ignored.nativeNames]);
    if (this.engine?.key === key) return this.engine;
    const old = this.engine;
    this.engine = new Engine(key, this, {
      pollDelay: poll ? (typeof poll === 'number' ? poll : DEFAULT_POLL_MS) : undefined,
      followSymlinks: !!options.followSymlinks,
      ignoreDirs: [...(this.options.defaultIgnores === false ? [] : DEFAULT_IGNORE_DIRS), ...ignored.nativeNames],
    });
    void old?.close();
    return this.engine;
  }
}

interface EngineConfig {
  pollDelay?: number;
  followSymlinks: boolean;
  ignoreDirs: string[];
}

/** Consolidate into fresh subscriptions after this many incremental re-plans, so OS instances stay few. */
const MAX_INCREMENTAL_PLANS = 6;

/** The native subscriptions, shared by successive watch() calls; batches go to the current session. */
class Engine {
  session?: Session;
  private subs: SubscriptionSet;
  private plans = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly key: string,
    private readonly owner: WatchfilesWatchFileSystem,
    private readonly config: EngineConfig,
  ) {
    this.subs = this.newSet();
  }

  /** Serialized: watches placed for `targets`, resolving with the targets that got a new watch. */
  plan(targets: WatchTarget[]): Promise<WatchTarget[]> {
    const run = async () => {
      if (this.closed) return [];
      if (this.plans >= MAX_INCREMENTAL_PLANS) {
        // Open the consolidated set before closing the old one, so no event falls between them.
        const fresh = this.newSet();
        const added = await fresh.plan(targets);
        const old = this.subs;
        this.subs = fresh;
        this.plans = 0;
        await old.closeAll();
        return added;
      }
      const added = await this.subs.plan(targets);
      if (added.length > 0) this.plans++;
      return added;
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }

  /** True for a directory the recursive watches prune by name (node_modules, .git, ...). */
  prunes(p: string): boolean {
    return this.config.ignoreDirs.includes(path.basename(p));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.session = undefined;
    await this.chain;
    await this.subs.closeAll();
  }

  private newSet(): SubscriptionSet {
    return new SubscriptionSet(
      (dir, recursive) => this.start(dir, recursive),
      (e) => this.owner.reportError(e),
      // Flat watches take no default ignores, recursive ones do: a subscription for each kind.
      { splitByRecursion: true },
    );
  }

  private start(dir: string, recursive: boolean): Promise<Subscription> {
    const c = this.config;
    const options: WatchOptions = {
      step: WEBPACK_STEP_MS,
      debounce: WEBPACK_DEBOUNCE_MS,
      recursive,
      // A non-recursive watch serves exact paths webpack named (src/node_modules may be one): no defaults.
      filter: recursive ? new DefaultFilter({ ignoreDirs: c.ignoreDirs }) : new DefaultFilter({ ignoreDirs: [], ignoreEntityPatterns: [] }),
      followSymlinks: c.followSymlinks,
      ignorePermissionDenied: true,
      onLimit: 'poll',
      // `webpack --watch` lives on its watches, as it does on watchpack's; close() releases them.
      persistent: true,
      onError: (e) => this.owner.reportError(e),
    };
    if (c.pollDelay !== undefined) {
      options.forcePolling = true;
      options.pollDelay = c.pollDelay;
    }
    return subscribe(dir, (batch) => this.session?.onBatch(batch), options);
  }
}

/** One watch() call: what it watches, what changed since, and the callbacks to webpack. */
class Session {
  private entries: TimeInfoEntries = new Map();
  private timer?: NodeJS.Timeout;
  private paused = false;
  private superseded = false;
  private undelayedCalled = false;
  private ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: WatchfilesWatchFileSystem,
    private readonly engine: Engine,
    private readonly items: WatchedItems,
    private readonly ignored: CompiledIgnored,
    private readonly aggregateTimeout: number,
    private readonly startTime: number,
    private readonly callback: WatchCallback,
    private readonly callbackUndelayed?: (file: string, mtime: number) => void,
  ) {}

  start(): void {
    this.ready = (async () => {
      await this.engine.plan(planTargets(this.items));
      if (this.superseded) return;
      // Watches are in place: what we read now cannot miss a later change.
      const now = Date.now();
      const outdated: Array<[string, number]> = [];
      for (const file of this.items.files) {
        const seen = observe(file, true, now);
        this.entries.set(file, seen.entry);
        if (seen.entry && this.startTime) outdated.push([file, seen.mtime]);
      }
      // Changed while the build ran: webpack must build again. Judged once every mtime was seen, so
      // the accuracy is what this file system really has (a first guess is 2 s).
      const accuracy = mtimeAccuracy();
      for (const [file, mtime] of outdated) {
        if (mtime + accuracy >= this.startTime) this.changed(file, file, mtime, 'watch (outdated on attach)');
      }
      // The same for context directories: anything below them written since the build started.
      if (this.startTime) {
        for (const dir of this.items.directories) {
          const newer = newerThan(dir, this.startTime - accuracy, (p) => this.ignored.test(p) || this.engine.prunes(p));
          if (newer) this.changed(dir, newer.path, newer.mtime, 'watch (outdated on attach)');
        }
      }
    })().catch((e) => this.fs.reportError(e as Error));
  }

  supersede(): void {
    this.superseded = true;
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  pause(): void {
    this.paused = true;
    this.fs.watcher.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.fs.closeAll();
  }

  collect(files: TimeInfoEntries, directories: TimeInfoEntries): void {
    for (const [file, entry] of this.entries) files.set(file, entry);
    for (const dir of this.items.directories) {
      const exists = observe(dir, true).isDir;
      // Existence only: webpack hashes the listing itself, as it does with watchpack's non-nested entries.
      files.set(dir, exists ? EXISTENCE_ONLY : null);
      directories.set(dir, exists ? EXISTENCE_ONLY : null);
    }
  }

  timeInfo(): { fileTimeInfoEntries: TimeInfoEntries; contextTimeInfoEntries: TimeInfoEntries } {
    const fileTimeInfoEntries: TimeInfoEntries = new Map();
    const contextTimeInfoEntries: TimeInfoEntries = new Map();
    this.collect(fileTimeInfoEntries, contextTimeInfoEntries);
    return { fileTimeInfoEntries, contextTimeInfoEntries };
  }

  info(): WatchInfo {
    const changes = this.fs.watcher.aggregatedChanges;
    const removals = this.fs.watcher.aggregatedRemovals;
    this.fs.purge(changes, this.items.directories);
    this.fs.purge(removals);
    return { changes, removals, ...this.timeInfo() };
  }

  onBatch(batch: ChangeBatch): void {
    if (this.superseded) return;
    let layoutChanged = batch.rescan;
    for (const change of batch) {
      if (change.isDir && change.change !== Change.modified && this.movesAWatch(change.path)) layoutChanged = true;
      this.onPath(change.path);
    }
    // A directory came or went: watches move (a missing path's nearest directory, a new context), and
    // what happened in a new directory before its watch was placed is found by looking.
    if (layoutChanged) void this.ready.then(() => this.reconcile());
  }

  private ancestors?: Set<string>;

  /** A directory that came or went matters when a watched path lies below it, or it is one. */
  private movesAWatch(dir: string): boolean {
    this.ancestors ??= ancestorsOf(this.items);
    return this.ancestors.has(dir) || this.items.files.has(dir) || this.items.directories.has(dir);
  }

  private onPath(p: string): void {
    if (this.ignored.test(p)) return;
    const fileItems: string[] = [];
    if (this.items.files.has(p)) fileItems.push(p);
    const viaLink = this.items.fileAliases.get(p);
    if (viaLink) fileItems.push(...viaLink);
    if (fileItems.length > 0) {
      const seen = observe(p, false);
      for (const item of fileItems) this.fileEvent(item, seen.entry, seen.mtime);
    }
    // Context directories at or above p.
    for (let dir = p; ; ) {
      const dirItems = [
        ...(this.items.directories.has(dir) ? [dir] : []),
        ...(this.items.directoryAliases.get(dir) ?? []),
      ];
      for (const item of dirItems) {
        const reported = dir === p ? item : p;
        if (dir === p && !observe(p, false).isDir) this.removed(item, reported, 'rename');
        else this.changed(item, reported, Date.now(), 'change');
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }

  private fileEvent(item: string, entry: TimeInfoEntry, mtime: number): void {
    const old = this.entries.get(item);
    this.entries.set(item, entry);
    if (!entry) {
      if (old !== null) this.removed(item, item, 'rename');
      return;
    }
    // A directory named as a file dependency matters by its existence, not by what happens inside it.
    if (old && entry === EXISTENCE_ONLY && old === EXISTENCE_ONLY) return;
    // Same mtime as before and older than the accuracy: an attribute change, the content is untouched.
    if (old && 'timestamp' in old && 'timestamp' in entry && old.timestamp === entry.timestamp && mtime + mtimeAccuracy() < Date.now()) {
      this.entries.set(item, old);
      return;
    }
    this.changed(item, item, mtime, old ? 'change' : 'rename');
  }

  /** Re-plans the watches and reports what differs from what we last saw. */
  private async reconcile(): Promise<void> {
    if (this.superseded) return;
    await this.engine.plan(planTargets(this.items));
    if (this.superseded) return;
    for (const item of this.items.files) {
      const seen = observe(item, false);
      const old = this.entries.get(item);
      const existed = old !== null && old !== undefined;
      if (!!seen.entry !== existed || (seen.entry && old && 'timestamp' in seen.entry && 'timestamp' in old && seen.entry.timestamp !== old.timestamp)) {
        this.fileEvent(item, seen.entry, seen.mtime);
      }
    }
  }

  private changed(item: string, file: string, mtime: number, type: string): void {
    const w = this.fs.watcher;
    w.aggregatedRemovals.delete(item);
    w.aggregatedChanges.add(item);
    if (this.paused) return;
    w.emit('change', file, mtime, type);
    if (!this.undelayedCalled && this.callbackUndelayed) {
      this.undelayedCalled = true;
      this.safely(() => this.callbackUndelayed!(file, mtime));
    }
    this.arm();
  }

  private removed(item: string, file: string, type: string): void {
    const w = this.fs.watcher;
    w.aggregatedChanges.delete(item);
    w.aggregatedRemovals.add(item);
    if (this.paused) return;
    w.emit('remove', file, type);
    if (!this.undelayedCalled && this.callbackUndelayed) {
      this.undelayedCalled = true;
      this.safely(() => this.callbackUndelayed!(file, Date.now()));
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.aggregateTimeout);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.paused || this.superseded) return;
    const { changes, removals } = this.fs.watcher.takeAggregated();
    this.fs.watcher.emit('aggregated', changes, removals);
    // Paused until webpack calls watch() again: changes meanwhile are kept for getInfo().
    this.pause();
    this.fs.purge(changes, this.items.directories);
    this.fs.purge(removals);
    const { fileTimeInfoEntries, contextTimeInfoEntries } = this.timeInfo();
    this.safely(() => this.callback(null, fileTimeInfoEntries, contextTimeInfoEntries, changes, removals));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      // webpack's callbacks run inside a native batch callback here; a throw must not be lost.
      process.nextTick(() => {
        throw e;
      });
    }
  }
}

/** How many entries the attach-time check of one context directory reads at most. */
const NEWER_SCAN_LIMIT = 20_000;

/**
 * The first entry below `dir` modified (or, for a directory, created or relisted) after `since`, or
 * undefined. Skips what `skip` says; gives up quietly past NEWER_SCAN_LIMIT entries.
 */
function newerThan(dir: string, since: number, skip: (p: string) => boolean): { path: string; mtime: number } | undefined {
  const stack = [dir];
  let seen = 0;
  while (stack.length > 0) {
    const current = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable: the events will tell
    }
    for (const e of entries) {
      if (++seen > NEWER_SCAN_LIMIT) return undefined;
      const p = path.join(current, e.name);
      if (skip(p)) continue;
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(p, { throwIfNoEntry: false });
      } catch {
        st = undefined;
      }
      if (!st) continue;
      if (Number(st.mtime) >= since) return { path: p, mtime: Number(st.mtime) };
      if (st.isDirectory()) stack.push(p);
    }
  }
  return undefined;
}

function toLookup(items: Iterable<string>): Lookup {
  return typeof (items as Set<string>).has === 'function' ? (items as Lookup) : new Set(items);
}
