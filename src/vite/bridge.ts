/**
 * Feeds a Vite dev server's watcher (the no-op emitter Vite creates for `server.watch: null`) from the
 * watchfiles-node core, with the events chokidar would have sent it: 'add', 'change', 'unlink',
 * 'addDir', 'unlinkDir' with absolute paths, and 'ready' once the watches are placed. What Vite's
 * chokidar watched (the root, the config file's dependencies, the .env files, the public directory) is
 * watched natively; paths added later through `server.watcher.add()` (Vite's addWatchFile for files
 * outside the root, plugins) join the same watcher. Vite's `ignored` list is applied with chokidar's
 * semantics, and the directories it names by name (node_modules, .git) are pruned natively: they cost
 * no watch at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SubscriptionSet } from '../chokidar/subscriptions.js';
import { compileIgnored, type IgnoreMatcher } from '../chokidar/ignored.js';
import type { Matcher } from '../chokidar/types.js';
import { DefaultFilter } from '../watch/filters.js';
import { subscribe } from '../watch/subscribe.js';
import { Change, type ChangeBatch, type Subscription, type WatchOptions } from '../watch/types.js';
import { ancestorsOf, planTargets, type WatchedItems } from '../webpack/targets.js';

/** Batching asked of the core: an edit reaches Vite ~5 ms after the editor's last write. */
export const VITE_STEP_MS = 5;
export const VITE_DEBOUNCE_MS = 100;

export type ViteWatchEvent = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

export interface BridgeOptions {
  /** Absolute paths watched from the start (files or directories; missing ones are waited for). */
  paths: string[];
  /** chokidar-style matchers, as in Vite's resolved `server.watch.ignored`. */
  ignored: Matcher[];
  /** chokidar's usePolling / interval, from the user's `server.watch`. */
  usePolling?: boolean;
  interval?: number;
  followSymlinks?: boolean;
  emit(event: ViteWatchEvent | 'ready' | 'error', ...args: unknown[]): void;
}

export class ViteWatchBridge {
  private readonly items: WatchedItems = {
    files: new Set(),
    directories: new Set(),
    fileAliases: new Map(),
    directoryAliases: new Map(),
  };
  private readonly unwatched = new Set<string>();
  /** Whether each explicitly watched file exists, to report those that appear or go between watches. */
  private readonly present = new Map<string, boolean>();
  private readonly ignore: IgnoreMatcher;
  private subs: SubscriptionSet;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: BridgeOptions) {
    this.ignore = compileIgnored(options.ignored, { atomic: false, onError: (e) => this.error(e) });
    this.subs = new SubscriptionSet(
      (dir, recursive) => this.subscribe(dir, recursive),
      (e) => this.error(e),
    );
    this.addPaths(options.paths);
  }

  /** Places the first watches; 'ready' follows. */
  open(): Promise<void> {
    return this.replan().then(() => {
      if (!this.closed) this.options.emit('ready');
    });
  }

  /** server.watcher.add(): more files or directories, watched from now on. */
  add(paths: string | readonly string[]): void {
    if (this.closed) return;
    const list = (Array.isArray(paths) ? paths : [paths]).map((p) => path.resolve(String(p)));
    for (const p of list) this.unwatched.delete(p);
    if (this.addPaths(list)) void this.replan();
  }

  /** server.watcher.unwatch(): these paths (and what is below them) are no longer reported. */
  unwatch(paths: string | readonly string[]): void {
    if (this.closed) return;
    const list = (Array.isArray(paths) ? paths : [paths]).map((p) => path.resolve(String(p)));
    let changed = false;
    for (const p of list) {
      this.unwatched.add(p);
      changed = this.items.files.delete(p) || this.items.directories.delete(p) || changed;
      this.present.delete(p);
    }
    if (changed) void this.replan();
  }

  /** Paths watched, chokidar's getWatched() shape: directory -> names watched in it. */
  getWatched(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const put = (p: string) => (out[path.dirname(p)] ??= []).push(path.basename(p));
    for (const d of this.items.directories) put(d);
    for (const f of this.items.files) put(f);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => {});
    await this.subs.closeAll();
  }

  /** True when something is new to watch. */
  private addPaths(list: readonly string[]): boolean {
    let added = false;
    for (const p of list) {
      if (this.coveredByDirectory(p) && !this.ignore.byPath(p, p)) continue;
      let isDir = false;
      try {
        isDir = fs.statSync(p).isDirectory();
      } catch {
        // Missing: watched as a file that may appear (as chokidar does with a path that does not exist).
      }
      if (isDir) {
        if (!this.items.directories.has(p)) (this.items.directories.add(p), (added = true));
      } else if (!this.items.files.has(p)) {
        this.items.files.add(p);
        this.present.set(p, fs.existsSync(p));
        added = true;
      }
    }
    return added;
  }

  private coveredByDirectory(p: string): boolean {
    for (let dir = p; ; ) {
      if (this.items.directories.has(dir)) return true;
      const up = path.dirname(dir);
      if (up === dir) return false;
      dir = up;
    }
  }

  /** Serialized re-plan; afterwards, explicit files that came or went while unwatched are reported. */
  private replan(): Promise<void> {
    this.ancestors = undefined;
    const run = async () => {
      if (this.closed) return;
      await this.subs.plan(planTargets(this.items, false));
      if (this.closed) return;
      for (const [file, was] of this.present) {
        const now = fs.existsSync(file);
        if (now !== was) this.report(now ? Change.added : Change.deleted, file, false);
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch((e) => this.error(e as Error));
    return this.chain as Promise<void>;
  }

  private subscribe(dir: string, recursive: boolean): Promise<Subscription> {
    const o = this.options;
    const watchOptions: WatchOptions = {
      step: VITE_STEP_MS,
      debounce: VITE_DEBOUNCE_MS,
      recursive,
      // Only what Vite's `ignored` says, pruned natively where that is exact (node_modules, .git).
      filter: new DefaultFilter({ ignoreDirs: [], ignoreEntityPatterns: [], ignorePaths: this.ignore.nativePaths }),
      ignore: this.ignore.nativeGlobs(true),
      followSymlinks: o.followSymlinks !== false,
      ignorePermissionDenied: true,
      onLimit: 'poll',
      onError: (e) => this.error(e),
    };
    if (o.usePolling) {
      watchOptions.forcePolling = true;
      watchOptions.pollDelay = o.interval && o.interval > 0 ? o.interval : 100;
    }
    return subscribe(dir, (batch) => this.onBatch(batch), watchOptions);
  }

  private onBatch(batch: ChangeBatch): void {
    if (this.closed) return;
    let layoutChanged = batch.rescan;
    for (const c of batch) {
      if (c.isDir && c.change !== Change.modified && this.movesAWatch(c.path)) layoutChanged = true;
      if (this.wanted(c.path)) this.report(c.change, c.path, !!c.isDir);
    }
    // A directory came or went: the watch of a file waiting to appear moves closer to it.
    if (layoutChanged && this.present.size > 0) void this.replan();
  }

  private ancestors?: Set<string>;

  /** Only a directory above a file waiting to appear moves its watch (a busy parent dir costs nothing). */
  private movesAWatch(dir: string): boolean {
    this.ancestors ??= ancestorsOf({ ...this.items, directories: new Set() });
    return this.ancestors.has(dir);
  }

  private wanted(p: string): boolean {
    for (let dir = p; ; ) {
      if (this.unwatched.has(dir)) return false;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    if (this.ignore.byPath(p, p)) return false;
    return this.items.files.has(p) || this.coveredByDirectory(p);
  }

  private report(change: Change, p: string, isDir: boolean): void {
    if (this.present.has(p)) this.present.set(p, change !== Change.deleted);
    const emit = this.options.emit;
    try {
      if (change === Change.added) emit(isDir ? 'addDir' : 'add', p);
      else if (change === Change.deleted) emit(isDir ? 'unlinkDir' : 'unlink', p);
      else if (!isDir) emit('change', p);
    } catch (e) {
      // A listener that throws must not stop the events that follow it.
      this.error(e as Error);
    }
  }

  private error(e: Error): void {
    try {
      this.options.emit('error', e);
    } catch {
      process.stderr.write(`watchfiles-node/vite: ${e?.message ?? String(e)}\n`);
    }
  }
}
