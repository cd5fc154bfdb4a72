/**
 * FSWatcher: chokidar's class on top of subscribe(). It owns the roots, what it has reported (reported.ts) and the
 * subscriptions; the Syncer turns the core's batches into per-path events; `atomic` and
 * `awaitWriteFinish` shape them on the way out, as in chokidar.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { DefaultFilter, isUnder } from '../watch/filters.js';
import { isDirectory, nearestDirectory } from '../watch/root-set.js';
import { subscribe } from '../watch/subscribe.js';
import { Change, type ChangeBatch, type Subscription, type WatchOptions } from '../watch/types.js';
import { compileIgnored, type IgnoreMatcher } from './ignored.js';
import { resolveChokidarOptions } from './options.js';
import { unionGlobScope } from './glob-scope.js';
import { displayPath, isGlobPath, normalizeUserPath, resolveRoot, type Root } from './paths.js';
import { PendingUnlinks } from './pending-unlinks.js';
import { SubscriptionSet, type WatchTarget } from './subscriptions.js';
import { SymlinkRegistry } from './symlinks.js';
import { Syncer, type Hint } from './sync.js';
import { TaskQueue } from './task-queue.js';
import { Reported } from './reported.js';
import type { ChokidarOptions, Matcher, PathEventName, RawDetails, ResolvedChokidarOptions } from './types.js';
import { WriteFinish } from './write-finish.js';

/**
 * Batching handed to the core: a batch leaves 20 ms after the last event, and at the latest 100 ms
 * after the first, so a save is reported within ~20 ms even while other files keep changing.
 */
export const FACADE_STEP_MS = 20;
export const FACADE_DEBOUNCE_MS = 100;
/** Margin for the core's batch timer and the event loop, on top of FACADE_STEP_MS, before `ready`. */
const READY_SLACK_MS = 30;

type EmitArgs = [path: string, stats?: fs.Stats];

export interface FSWatcherEventMap {
  add: EmitArgs;
  addDir: EmitArgs;
  change: EmitArgs;
  unlink: EmitArgs;
  unlinkDir: EmitArgs;
  ready: [];
  raw: [event: string, path: string, details: RawDetails];
  error: [error: Error];
  all: [event: PathEventName, path: string, stats?: fs.Stats];
}

const RAW_KIND = { [Change.added]: 'added', [Change.modified]: 'modified', [Change.deleted]: 'deleted' } as const;
const HINT_OF = { [Change.added]: 'added', [Change.modified]: 'modified', [Change.deleted]: 'deleted' } as const;

/**
 * Watchers not closed yet. chokidar's watchers stay alive until close(), even with persistent: false and no
 * reference kept by the caller (their fs.watch handles hold them); ours would be collected and, through
 * the core's release on garbage collection, stop. Holding them here keeps chokidar's behaviour.
 */
const openWatchers = new Set<FSWatcher>();

export class FSWatcher extends EventEmitter<FSWatcherEventMap> {
  closed = false;
  readonly options: Readonly<ResolvedChokidarOptions>;

  private readonly reported = new Reported();
  private readonly links = new SymlinkRegistry();
  /** Active roots by key (absolute path, plus the pattern for a glob). */
  private readonly roots = new Map<string, Root>();
  /** Roots that did not exist when added, by key: the core looks for them and reports them when they appear. */
  private readonly missing = new Map<string, Root>();
  private readonly unwatched = new Set<string>();
  private readonly unwatchedGlobs: Array<(p: string) => boolean> = [];
  /** chokidar 3: "!pattern" passed to add() ignores that pattern. */
  private readonly negatedAdds: Matcher[] = [];
  private ignoreMatcher: IgnoreMatcher;
  private subs: SubscriptionSet;
  private readonly queue: TaskQueue;
  private readonly syncer: Syncer;
  private readonly unlinks?: PendingUnlinks;
  private readonly writes?: WriteFinish;
  private toAdd: Root[] = [];
  private addScheduled = false;
  private readyEmitted = false;
  /** When the first add() before `ready` was made (see drainBeforeReady). */
  private scanStartedAt = 0;
  /** When the core last delivered a batch (see drainBeforeReady). */
  private lastBatchAt = 0;
  private initialTasks = 0;
  /** Counts close()/add() cycles, so work queued before a close() cannot act on the reopened watcher. */
  private epoch = 0;
  private closePromise?: Promise<void>;

  constructor(options: ChokidarOptions = {}) {
    super();
    this.options = Object.freeze(resolveChokidarOptions(options));
    const o = this.options;
    this.ignoreMatcher = this.compileIgnore();
    this.queue = new TaskQueue((e) => this.reportError(e instanceof Error ? e : new Error(String(e))));
    this.subs = this.newSubscriptionSet();
    if (o.atomic !== false) this.unlinks = new PendingUnlinks(o.atomic, o.persistent);
    if (o.awaitWriteFinish) this.writes = new WriteFinish(o.awaitWriteFinish, o.persistent);
    const self = this;
    this.syncer = new Syncer(o, this.reported, this.links, (abs) => this.rootAt(abs), {
      get closed() {
        return self.closed;
      },
      emit: (event, abs, p, stats) => this.emitPath(event, abs, p, stats),
      error: (e) => this.reportError(e),
      isUnwatched: (abs, p) => this.isUnwatched(abs, p),
      ignore: () => this.ignoreMatcher,
    });
  }

  /** Starts watching more files, directories or (chokidar 3) globs. */
  add(paths: string | readonly string[]): this {
    const list = unifyPaths(paths);
    if (this.closed) this.reopen();
    openWatchers.add(this);
    const { cwd, disableGlobbing } = this.options;
    for (const raw of list) {
      if (raw.startsWith('!') && !disableGlobbing) {
        this.negatedAdds.push(raw.slice(1));
        this.ignoreMatcher = this.compileIgnore();
        continue;
      }
      const root = resolveRoot(raw, cwd, disableGlobbing);
      this.unwatched.delete(root.abs);
      this.toAdd.push(root);
    }
    if (!this.addScheduled && this.toAdd.length) {
      this.addScheduled = true;
      if (!this.readyEmitted) {
        if (this.initialTasks === 0) this.scanStartedAt = Date.now();
        this.initialTasks++;
      }
      // Paths added in the same tick share one walk and one subscription.
      const epoch = this.epoch;
      queueMicrotask(() => {
        if (epoch !== this.epoch) return;
        this.addScheduled = false;
        const roots = this.toAdd.splice(0);
        void this.queue.push(() => this.addRoots(roots)).then(() => this.initialTaskDone(epoch));
      });
    }
    return this;
  }

  /** Stops reporting these paths (and what lies below them). */
  unwatch(paths: string | readonly string[]): this {
    if (this.closed) return this;
    const { cwd, disableGlobbing } = this.options;
    const removed: string[] = [];
    for (const raw of unifyPaths(paths)) {
      const unix = normalizeUserPath(raw);
      const full = cwd && !path.isAbsolute(unix) ? path.join(cwd, unix) : unix;
      if (!disableGlobbing && isGlobPath(unix) && !fs.existsSync(full)) {
        const isMatch = picomatch(full, { dot: true });
        this.unwatchedGlobs.push((p) => isMatch(p));
        continue;
      }
      const abs = path.resolve(full);
      this.unwatched.add(abs);
      removed.push(abs);
    }
    void this.queue.push(async () => {
      for (const abs of removed) {
        for (const p of [...this.reported.pathsUnder(abs)]) this.syncer.remove(p, true);
        for (const [key, root] of this.roots) if (isUnder(abs, root.abs)) this.roots.delete(key);
        for (const [key, m] of this.missing) if (isUnder(abs, m.abs)) this.missing.delete(key);
      }
      if (this.unwatchedGlobs.length) {
        for (const [p, entry] of [...this.reported.allPaths()]) {
          if (this.isUnwatched(p, displayPath(entry.root, p))) this.syncer.remove(p, true);
        }
      }
      await this.subs.plan(this.targets());
    });
    return this;
  }

  /** Stops everything; resolves once the core's watchers are closed. Listeners are removed, as in chokidar. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    openWatchers.delete(this);
    this.closed = true;
    this.epoch++;
    this.addScheduled = false;
    this.removeAllListeners();
    this.unlinks?.clear();
    this.writes?.clear();
    this.missing.clear();
    this.roots.clear();
    this.reported.clear();
    this.links.clear();
    this.toAdd = [];
    this.readyEmitted = false;
    this.initialTasks = 0;
    this.closePromise = this.subs.closeAll();
    return this.closePromise;
  }

  /** Directory -> sorted names of what is tracked in it (keys relative to `cwd` when set). */
  getWatched(): Record<string, string[]> {
    return this.reported.watched(this.options.cwd);
  }

  // --- internals -----------------------------------------------------------------------------------

  private reopen(): void {
    this.closed = false;
    this.closePromise = undefined;
    this.subs = this.newSubscriptionSet();
  }

  private async addRoots(roots: Root[]): Promise<void> {
    if (this.closed) return;
    // Literal roots first: where a glob and a plain path share a base, the plain path's rules win.
    roots.sort((a, b) => Number(!!a.glob) - Number(!!b.glob));
    const fresh: Root[] = [];
    const widened: Array<{ from: Root; to: Root }> = [];
    for (const root of roots) {
      const joined = this.joinGlob(root);
      if (!joined) {
        this.roots.set(rootKey(root), root);
        fresh.push(root);
      } else if (joined.from) {
        const i = fresh.indexOf(joined.from);
        const w = widened.find((x) => x.to === joined.from);
        if (i >= 0) fresh[i] = joined.to;
        else if (w) w.to = joined.to;
        else widened.push({ from: joined.from, to: joined.to });
      }
    }
    roots = fresh;
    // Watch before walking, so nothing that changes during the walk is missed (the walk and the
    // batches are serialized, and stat() decides, so nothing is reported twice).
    await this.subs.plan(this.targets());
    for (const { from, to } of widened) {
      if (this.closed) return;
      await this.syncer.widenRoot(from, to, true);
    }
    for (const root of roots) {
      if (this.closed) return;
      const result = await this.syncer.addRoot(root, true);
      if (result !== 'ok') this.roots.delete(rootKey(root));
      if (result === 'missing') await this.watchMissing(root);
    }
    // Symlinked directories found by the walk need their real paths watched.
    await this.replan();
  }

  /**
   * A chokidar 3 glob on the same base as another glob (watch(['d/change*', 'd/unlink*'])) joins it, so
   * the base is walked and watched once and matches of every glob are reported. `from` is set when the
   * other glob is already active (its tree must be widened); otherwise `to` replaces this root.
   */
  private joinGlob(root: Root): { from?: Root; to: Root } | undefined {
    if (!root.glob) return undefined;
    for (const [key, other] of this.roots) {
      if (!other.glob || other.abs !== root.abs || other.display !== root.display) continue;
      if (other.glob.pattern.split('\u0001').includes(root.glob.pattern)) return { to: other };
      const to: Root = { abs: root.abs, display: root.display, glob: unionGlobScope(other.glob, root.glob) };
      this.roots.delete(key);
      this.roots.set(rootKey(to), to);
      return { from: other, to };
    }
    return undefined;
  }

  /** A root that does not exist: the core watches for it (one root more on the one subscription). */
  private async watchMissing(root: Root): Promise<void> {
    const key = rootKey(root);
    if (this.missing.has(key)) return;
    this.missing.set(key, root);
    await this.subs.plan(this.targets());
    // It may have appeared while the watch was being placed.
    if (fs.existsSync(root.abs)) await this.appeared(key);
  }

  /** A path watched before it existed is there now: announce it (ignoreInitial does not apply, as in chokidar). */
  private async appeared(key: string): Promise<void> {
    const root = this.missing.get(key);
    if (!root || this.closed) return;
    this.missing.delete(key);
    this.roots.set(key, root);
    await this.subs.plan(this.targets());
    const result = await this.syncer.addRoot(root, false);
    if (result === 'missing') {
      this.roots.delete(key);
      await this.watchMissing(root);
    }
    await this.replan();
  }

  private initialTaskDone(epoch: number): void {
    if (this.readyEmitted || this.closed || epoch !== this.epoch) return;
    if (--this.initialTasks > 0) return;
    void this.drainBeforeReady(epoch).then(() => {
      if (this.readyEmitted || this.closed || epoch !== this.epoch || this.initialTasks > 0) return;
      this.readyEmitted = true;
      this.emit('ready');
    });
  }

  /**
   * The walk saw the disk as it was when it read each directory; a write made after that (say, right
   * after watch() returned, while the walk went on elsewhere) reaches us as a batch the core holds for
   * FACADE_STEP_MS. Wait until the batches have gone quiet for that long (at most FACADE_DEBOUNCE_MS,
   * the core's own cap) and are applied, so `ready` comes after the events of every write made before it.
   */
  private async drainBeforeReady(epoch: number): Promise<void> {
    const start = Date.now();
    const quietMs = FACADE_STEP_MS + READY_SLACK_MS;
    for (;;) {
      const now = Date.now();
      const since = now - Math.max(start, this.lastBatchAt);
      if (since >= quietMs || now - start >= FACADE_DEBOUNCE_MS + READY_SLACK_MS) break;
      // Not unref()ed: with persistent: false, chokidar still emits ready before the process may exit.
      await new Promise((r) => setTimeout(r, quietMs - since));
      if (this.closed || epoch !== this.epoch) return;
    }
    await this.queue.push(async () => {
      if (!this.closed && epoch === this.epoch) await this.syncer.recheckDirsChangedSince(this.scanStartedAt);
    });
  }

  /** What the core must watch: each root (a file through its directory) and each followed symlink's target. */
  private targets(): WatchTarget[] {
    const recursive = this.options.depth !== 0;
    const out: WatchTarget[] = [];
    for (const root of this.roots.values()) {
      const entry = this.reported.get(root.abs);
      const isDir = entry ? entry.kind === 'dir' : isDirectory(root.abs);
      out.push(isDir ? { path: root.abs, recursive } : { path: path.dirname(root.abs), recursive: false });
    }
    for (const t of this.links.targets()) {
      out.push(t.isDir ? { path: t.real, recursive } : { path: path.dirname(t.real), recursive: false });
    }
    // Watched for by the core until they appear, as a directory or a file; their nearest existing directory
    // too, as chokidar watches the parent, so one made there (or the next directory on the way) is heard at once.
    for (const root of this.missing.values()) {
      out.push({ path: root.abs, recursive, missing: true });
      out.push({ path: nearestDirectory(path.dirname(root.abs)), recursive: false });
    }
    return out;
  }

  private newSubscriptionSet(): SubscriptionSet {
    return new SubscriptionSet(
      (dir, recursive) => this.startSubscription(dir, recursive),
      (e) => this.reportError(e),
    );
  }

  private startSubscription(dir: string, recursive: boolean): Promise<Subscription> {
    const o = this.options;
    const ignore = this.ignoreMatcher;
    const absoluteSpelling = !!o.cwd || [...this.roots.values()].every((r) => path.isAbsolute(r.display));
    const options: WatchOptions = {
      step: FACADE_STEP_MS,
      debounce: FACADE_DEBOUNCE_MS,
      recursive,
      // chokidar has no default ignores: only what `ignored` says, pruned natively where that is exact.
      filter: new DefaultFilter({ ignoreDirs: [], ignoreEntityPatterns: [], ignorePaths: ignore.nativePaths }),
      ignore: ignore.nativeGlobs(absoluteSpelling),
      // Symlinks are followed here, per link, so they are reported under the link's path on every backend.
      followSymlinks: false,
      // Permission problems are reported by the walk, as chokidar reports them.
      ignorePermissionDenied: true,
      persistent: o.persistent,
      onLimit: 'poll',
      onError: (e) => this.reportError(e),
    };
    if (o.usePolling) {
      options.forcePolling = true;
      options.pollDelay = Math.max(1, Math.round(o.interval));
    }
    return subscribe(dir, (batch) => this.onBatch(batch), options);
  }

  private onBatch(batch: ChangeBatch): void {
    if (this.closed) return;
    this.lastBatchAt = Date.now();
    if (this.listenerCount('raw') > 0) {
      for (const c of batch) {
        const details: RawDetails = {
          watchedPath: path.dirname(c.path),
          path: c.path,
          change: RAW_KIND[c.change],
          isDir: !!c.isDir,
          rescan: batch.rescan,
        };
        if (c.oldPath) details.oldPath = c.oldPath;
        this.emit('raw', c.change === Change.modified ? 'change' : 'rename', path.basename(c.path), details);
      }
    }
    const changes: Array<{ path: string; hint: Hint }> = [];
    for (const c of batch) {
      changes.push({ path: c.path, hint: HINT_OF[c.change] });
      if (c.oldPath) changes.push({ path: c.oldPath, hint: 'deleted' });
    }
    void this.queue.push(async () => {
      if (this.closed) return;
      for (const [key, root] of this.missing) {
        if (changes.some((c) => c.path === root.abs)) await this.appeared(key);
      }
      await this.syncer.apply(changes);
      if (batch.rescan) await this.syncer.rescan([...this.roots.values()]);
      await this.replan();
    });
  }

  /**
   * Re-plans the subscriptions after the tree changed (a root deleted or created again, a symlink
   * followed). Where a new watch was placed, what happened before it was in place was not reported:
   * compare those places with the disk once more.
   */
  private async replan(): Promise<void> {
    const opened = await this.subs.plan(this.targets());
    if (!opened.length || this.closed) return;
    const recheck: Array<{ path: string; hint: Hint }> = [];
    for (const t of opened) {
      recheck.push({ path: t.path, hint: 'rescan' });
      for (const root of this.roots.values()) {
        const inside = t.recursive ? isUnder(t.path, root.abs) : path.dirname(root.abs) === t.path;
        if (inside) recheck.push({ path: root.abs, hint: 'rescan' });
      }
    }
    await this.syncer.apply(recheck);
  }

  /** chokidar's _emit: awaitWriteFinish holds adds/changes, `atomic` turns unlink+add into change. */
  private emitPath(event: PathEventName, abs: string, p: string, stats?: fs.Stats): void {
    if (this.closed) return;
    const out = this.options.cwd ? path.relative(this.options.cwd, p) : p;
    const writes = this.writes;
    if (writes?.has(abs) && (event === 'add' || event === 'change')) return writes.touch(abs);
    if (writes && (event === 'unlink' || event === 'unlinkDir')) {
      // A file removed before its write settled was never announced: say nothing about it.
      if (writes.cancel(abs) === 'add') return;
    }
    if (this.unlinks && event === 'unlink') return this.unlinks.defer(abs, () => this.deliver('unlink', out));
    if (this.unlinks && event === 'add' && this.unlinks.take(abs)) event = 'change';
    if (writes && (event === 'add' || event === 'change') && this.readyEmitted) {
      const held = event;
      return writes.wait(abs, abs, held, (finalStats, error) => {
        if (error) this.reportError(error);
        else this.deliver(held, out, finalStats);
      });
    }
    this.deliver(event, out, stats);
  }

  private deliver(event: PathEventName, out: string, stats?: fs.Stats): void {
    if (this.closed) return;
    if (stats) {
      this.emit(event, out, stats);
      this.emit('all', event, out, stats);
    } else {
      this.emit(event, out);
      this.emit('all', event, out);
    }
  }

  /** chokidar's _handleError: missing paths are not errors; permission errors are dropped on request. */
  private reportError(error: Error): void {
    if (this.closed) return;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    if (this.options.ignorePermissionErrors && (code === 'EPERM' || code === 'EACCES')) return;
    // chokidar would throw from emit('error') without a listener; a watcher should not crash its host.
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else process.stderr.write(`watchfiles-node/chokidar: ${code ? code + ': ' : ''}${error.message}\n`);
  }

  private isUnwatched(abs: string, p: string): boolean {
    for (const u of this.unwatched) if (isUnder(u, abs)) return true;
    for (const g of this.unwatchedGlobs) if (g(p)) return true;
    return false;
  }

  private rootAt(abs: string): Root | undefined {
    const literal = this.roots.get(abs);
    if (literal) return literal;
    for (const r of this.roots.values()) if (r.abs === abs) return r;
    return undefined;
  }

  private compileIgnore(): IgnoreMatcher {
    return compileIgnored([...this.options.ignored, ...this.negatedAdds], {
      ...(this.options.cwd ? { cwd: this.options.cwd } : {}),
      atomic: this.options.atomic !== false,
      onError: (e) => this.reportError(e),
    });
  }
}

function rootKey(root: Root): string {
  return root.glob ? `${root.abs}\u0000${root.glob.pattern}` : root.abs;
}

function unifyPaths(paths: unknown): string[] {
  const list = (Array.isArray(paths) ? paths : [paths]).flat(Infinity) as unknown[];
  if (!list.every((p) => typeof p === 'string')) {
    throw new TypeError(`Non-string provided as watch path: ${String(paths)}`);
  }
  return list as string[];
}
