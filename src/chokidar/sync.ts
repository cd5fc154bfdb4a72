/**
 * Keeps what the facade has reported (reported.ts) equal to the disk and reports each difference as a
 * chokidar event. The walk at
 * add() time, every batch from the watcher core and every rescan go through here; a batch only says
 * which paths to look at again, and stat() says what they are now. That makes events idempotent: a
 * path reported twice (overlapping watches, a rescan) is announced once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IgnoreMatcher } from './ignored.js';
import { isUnder } from '../watch/filters.js';
import { displayPath, type Root } from './paths.js';
import type { SymlinkRegistry } from './symlinks.js';
import { Budget } from './task-queue.js';
import type { Entry, Reported } from './reported.js';
import type { PathEventName, ResolvedChokidarOptions } from './types.js';

export interface SyncSink {
  readonly closed: boolean;
  emit(event: PathEventName, abs: string, p: string, stats?: fs.Stats): void;
  error(error: Error): void;
  /** Paths given to unwatch(). */
  isUnwatched(abs: string, p: string): boolean;
  ignore(): IgnoreMatcher;
}

/** What a batch says about a path; only a hint, stat() decides. */
export type Hint = 'added' | 'modified' | 'deleted' | 'rescan';

interface Scope {
  root: Root;
  depth: number;
}

type Admission = { stats: fs.Stats; isLink: boolean } | 'missing' | 'filtered';

/** Kernel file timestamps advance by ticks of up to 10 ms. */
const DIR_TIME_MARGIN_MS = 20;

const HINT_RANK: Record<Hint, number> = { deleted: 0, added: 1, modified: 2, rescan: 3 };

export class Syncer {
  /** Circular links already reported, so a rescan does not repeat the error. */
  private readonly loops = new Set<string>();

  constructor(
    private readonly options: ResolvedChokidarOptions,
    private readonly reported: Reported,
    private readonly links: SymlinkRegistry,
    /** The active roots, looked up by absolute path (a literal root wins over a glob on the same base). */
    private readonly rootAt: (abs: string) => Root | undefined,
    private readonly sink: SyncSink,
  ) {}

  /** Tracks a root and everything below it. `initial`: part of an add() call, so subject to ignoreInitial. */
  async addRoot(root: Root, initial: boolean): Promise<'ok' | 'missing' | 'ignored'> {
    const scope = { root, depth: 0 };
    const found = this.admit(root.abs, root.display, scope, true);
    if (found === 'missing') return 'missing';
    if (found === 'filtered') return 'ignored';
    this.aliasRealPath(root.abs, found.stats.isDirectory());
    const tracked = this.reported.get(root.abs);
    if (tracked && tracked.kind === kindOf(found.stats)) {
      // Already reached from another root: adopt it, so depth counts from here and it is walked if it was not.
      if (tracked.depth > 0) {
        const wasExpanded = tracked.expanded;
        Object.assign(tracked, { root, depth: 0 });
        tracked.expanded = tracked.kind === 'dir' && this.mayExpand(root.abs, root.display, scope, found.isLink);
        if (tracked.expanded && !wasExpanded) await this.walk(root.abs, root.display, initial);
      }
      return 'ok';
    }
    if (tracked) this.remove(root.abs, false);
    const entry = this.record(root.abs, root.display, scope, found, initial);
    if (entry.expanded) await this.walk(root.abs, root.display, initial);
    return 'ok';
  }

  /**
   * A glob root was joined by another glob on the same base (`to` matches more): what was tracked from
   * `from` now belongs to `to`, and the tree is walked again to announce the new glob's matches.
   */
  async widenRoot(from: Root, to: Root, initial: boolean): Promise<void> {
    for (const [, entry] of this.reported.allPaths()) if (entry.root === from) entry.root = to;
    const tracked = this.reported.get(to.abs);
    if (!tracked || tracked.kind !== 'dir' || !tracked.expanded) return;
    await this.walk(to.abs, to.display, initial, true);
  }

  /** Re-examines the paths a batch mentions (and their spellings through followed symlinks). */
  async apply(changes: ReadonlyArray<{ path: string; hint: Hint }>): Promise<void> {
    const hints = new Map<string, Hint>();
    const note = (abs: string, hint: Hint) => {
      const prev = hints.get(abs);
      if (!prev || HINT_RANK[hint] > HINT_RANK[prev]) hints.set(abs, hint);
    };
    for (const c of changes) {
      note(c.path, c.hint);
      for (const alias of this.links.aliases(c.path)) note(alias, c.hint);
    }
    // Parents first: a new directory is walked before its files are looked at, so each is announced once.
    const ordered = [...hints].sort((a, b) => depthOf(a[0]) - depthOf(b[0]));
    const budget = new Budget();
    for (const [abs, hint] of ordered) {
      if (this.sink.closed) return;
      await this.reconcile(abs, hint);
      await budget.pause();
    }
  }

  /**
   * Before `ready`: directories changed since `sinceMs` (entries made or removed after the scan may have
   * read them) are read again, so what was created meanwhile is announced before `ready` even when the
   * core's event for it is still on its way. One stat per directory; only changed ones are read.
   * Timestamps are coarse (a kernel tick), hence the margin.
   */
  async recheckDirsChangedSince(sinceMs: number): Promise<void> {
    const since = sinceMs - DIR_TIME_MARGIN_MS;
    const budget = new Budget();
    for (const [abs, entry] of [...this.reported.allPaths()]) {
      if (this.sink.closed) return;
      if (entry.kind !== 'dir' || !entry.expanded) continue;
      const st = fs.statSync(abs, { throwIfNoEntry: false });
      if (st && Math.max(st.mtimeMs, st.ctimeMs) >= since) await this.syncChildren(abs, false);
      await budget.pause();
    }
  }

  /** After the OS dropped events: compare everything below these roots with the disk. */
  async rescan(roots: Iterable<Root>): Promise<void> {
    for (const root of roots) {
      if (this.sink.closed) return;
      await this.reconcile(root.abs, 'rescan');
    }
  }

  /** Forgets a path and everything below it, reporting unlinks unless `silent` (unwatch). */
  remove(abs: string, silent: boolean): void {
    const entry = this.reported.get(abs);
    if (!entry) return;
    if (entry.kind === 'dir') {
      for (const name of this.reported.childrenOf(abs)) this.remove(path.join(abs, name), silent);
    }
    this.reported.delete(abs);
    this.links.deleteUnder(abs);
    if (silent) return;
    const p = displayPath(entry.root, abs);
    if (entry.root.glob && !entry.root.glob.matches(p)) return;
    this.sink.emit(entry.kind === 'dir' ? 'unlinkDir' : 'unlink', abs, p);
  }

  private async reconcile(abs: string, hint: Hint): Promise<void> {
    const scope = this.scopeOf(abs);
    if (!scope) return;
    const p = displayPath(scope.root, abs);
    const found = this.admit(abs, p, scope, scope.depth === 0);
    let tracked = this.reported.get(abs);
    if (found === 'missing') {
      if (tracked) this.remove(abs, false);
      return;
    }
    if (found === 'filtered') return;
    const { stats } = found;
    if (tracked && tracked.kind !== kindOf(stats)) {
      this.remove(abs, false);
      tracked = undefined;
    }
    if (!tracked) {
      const entry = this.record(abs, p, scope, found, false);
      if (entry.expanded) await this.walk(abs, p, false);
      return;
    }
    if (tracked.kind === 'file') {
      // Unchanged stats mean this change was already reported (overlapping watches, a rescan). Any real
      // write moves ctime, and writes closer together than the clock tick share a batch anyway.
      if (statsDiffer(tracked, stats)) {
        Object.assign(tracked, statFields(stats));
        if (!tracked.root.glob || tracked.root.glob.matches(p)) this.sink.emit('change', abs, p, stats);
      }
      return;
    }
    if (tracked.expanded && hint !== 'deleted') await this.syncChildren(abs, hint !== 'modified');
  }

  /** Compares a directory's names with the tracked ones; `deep` also re-checks what is already tracked. */
  private async syncChildren(dirAbs: string, deep: boolean): Promise<void> {
    let names: string[];
    try {
      names = fs.readdirSync(dirAbs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') this.remove(dirAbs, false);
      else this.sink.error(error as Error);
      return;
    }
    const present = new Set(names);
    for (const name of this.reported.childrenOf(dirAbs)) {
      if (!present.has(name)) this.remove(path.join(dirAbs, name), false);
    }
    for (const name of names) {
      if (this.sink.closed) return;
      const abs = path.join(dirAbs, name);
      if (!this.reported.get(abs)) await this.reconcile(abs, 'added');
      else if (deep) await this.reconcile(abs, 'rescan');
    }
  }

  /** Walks a tracked, expanded directory, tracking and announcing what lies below it. */
  private async walk(dirAbs: string, dirP: string, initial: boolean, revisit = false): Promise<void> {
    const budget = new Budget();
    const stack: Array<[string, string]> = [[dirAbs, dirP]];
    while (stack.length) {
      if (this.sink.closed) return;
      const [abs, p] = stack.pop()!;
      const parent = this.reported.get(abs);
      if (!parent?.expanded) continue;
      let names: string[];
      try {
        names = fs.readdirSync(abs);
      } catch (error) {
        this.sink.error(error as Error);
        continue;
      }
      const scope = { root: parent.root, depth: parent.depth + 1 };
      const subdirs: Array<[string, string]> = [];
      for (const name of names) {
        const childAbs = path.join(abs, name);
        const childP = path.join(p, name);
        const known = this.reported.get(childAbs);
        if (known) {
          // revisit (a widened glob): tracked directories may now hold matches further down.
          if (revisit && known.kind === 'dir') {
            if (!known.expanded) known.expanded = this.mayExpand(childAbs, childP, scope, isSymlink(childAbs));
            if (known.expanded) subdirs.push([childAbs, childP]);
          }
          continue;
        }
        const found = this.admit(childAbs, childP, scope, false);
        if (typeof found === 'string') continue;
        const entry = this.record(childAbs, childP, scope, found, initial);
        if (entry.expanded) subdirs.push([childAbs, childP]);
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
      await budget.pause();
    }
  }

  /** Tracks one path and announces it. */
  private record(abs: string, p: string, scope: Scope, found: { stats: fs.Stats; isLink: boolean }, initial: boolean): Entry {
    const { stats, isLink } = found;
    const kind = kindOf(stats);
    if (isLink && this.options.followSymlinks) {
      try {
        this.links.set(abs, fs.realpathSync(abs), kind === 'dir');
      } catch {
        // Gone or looping since stat(): the next event for it will settle it.
      }
    }
    const entry: Entry = {
      kind,
      root: scope.root,
      depth: scope.depth,
      expanded: kind === 'dir' && this.mayExpand(abs, p, scope, isLink),
      ...statFields(stats),
    };
    this.reported.set(abs, entry);
    const { glob } = scope.root;
    if (!(initial && this.options.ignoreInitial) && (!glob || glob.matches(p))) {
      this.sink.emit(kind === 'dir' ? 'addDir' : 'add', abs, p, stats);
    }
    return entry;
  }

  /** Within `depth`, holding glob matches, and not a symlink back to one of its own ancestors. */
  private mayExpand(abs: string, p: string, scope: Scope, isLink: boolean): boolean {
    const { depth } = this.options;
    if (depth !== undefined && scope.depth > depth) return false;
    if (scope.root.glob && scope.depth > 0 && !scope.root.glob.mayContain(p)) return false;
    if (isLink) {
      try {
        if (isUnder(fs.realpathSync(abs), fs.realpathSync(path.dirname(abs)))) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  /** stat()s a path and applies unwatch(), `ignored`, the glob and the read-permission rule. */
  private admit(abs: string, p: string, scope: Scope, isRoot: boolean): Admission {
    if (this.sink.isUnwatched(abs, p)) return 'filtered';
    const ignore = this.sink.ignore();
    if (ignore.byPath(p, abs)) return 'filtered';
    let stats: fs.Stats | undefined;
    let isLink = false;
    try {
      stats = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (stats?.isSymbolicLink()) {
        isLink = true;
        if (this.options.followSymlinks) stats = fs.statSync(abs, { throwIfNoEntry: false });
        // Not followed, but chokidar still stat()s the target: a dangling or circular link is not reported.
        else if (!targetExists(abs)) return 'filtered';
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A circular link is an error, as in chokidar (docs/chokidar.md says why), reported once per path.
      if (code === 'ELOOP') {
        if (!this.loops.has(abs)) {
          this.loops.add(abs);
          this.sink.error(error as Error);
        }
        return 'missing';
      }
      this.loops.delete(abs);
      // A dangling link reads as absent, like chokidar; anything else is worth saying.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') this.sink.error(error as Error);
      return 'missing';
    }
    this.loops.delete(abs);
    if (!stats) return 'missing';
    if (ignore.byStats(p, stats)) return 'filtered';
    const { glob } = scope.root;
    if (glob && !isRoot) {
      const ok = stats.isDirectory() ? glob.mayContain(p) || glob.matches(p) : glob.matches(p);
      if (!ok) return 'filtered';
    }
    // chokidar skips files its owner may not read, unless told to ignore permission errors.
    if (!isRoot && stats.isFile() && !this.options.ignorePermissionErrors && (stats.mode & 0o400) === 0) return 'filtered';
    return { stats, isLink };
  }

  /** Which root a path belongs to, if it is within what is watched: a root, or in an expanded directory. */
  private scopeOf(abs: string): Scope | undefined {
    const root = this.rootAt(abs);
    if (root) return { root, depth: 0 };
    const parent = this.reported.get(path.dirname(abs));
    if (parent?.kind === 'dir' && parent.expanded) return { root: parent.root, depth: parent.depth + 1 };
    return undefined;
  }

  /** A root reached through a symlink: the core may report its real path. */
  private aliasRealPath(abs: string, isDir: boolean): void {
    try {
      const real = fs.realpathSync(abs);
      if (real !== abs) this.links.set(abs, real, isDir, false);
    } catch {
      // It vanished; the next batch reports that.
    }
  }
}

function targetExists(link: string): boolean {
  try {
    return !!fs.statSync(link, { throwIfNoEntry: false });
  } catch {
    return false;
  }
}

function isSymlink(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}

function kindOf(stats: fs.Stats): 'file' | 'dir' {
  return stats.isDirectory() ? 'dir' : 'file';
}

function statFields(s: fs.Stats): Pick<Entry, 'mtimeMs' | 'ctimeMs' | 'size' | 'ino'> {
  return { mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, size: s.size, ino: s.ino };
}

function statsDiffer(e: Entry, s: fs.Stats): boolean {
  return e.mtimeMs !== s.mtimeMs || e.ctimeMs !== s.ctimeMs || e.size !== s.size || e.ino !== s.ino;
}

function depthOf(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}
