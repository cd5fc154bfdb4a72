/**
 * One watcher for all of a TypeScript program's watchFile()/watchDirectory() calls. tsc places one OS
 * watch per file and per directory; here the wanted paths are reduced to a few roots (recursive
 * directories, and the directories holding watched files), kept on ONE subscription (a RootSet: one
 * inotify instance, one batching thread) whose roots are added and removed as the plan changes. Changes
 * are then dispatched to the callbacks by path. A path that does not exist yet is watched through its
 * nearest existing ancestor: its creation is then an event, not something a poll tick finds later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DefaultFilter, isUnder } from '../watch/filters.js';
import { nearestDirectory, RootSet } from '../watch/root-set.js';
import { subscribe } from '../watch/subscribe.js';
import { Change, type ChangeBatch, type Subscription, type WatchError } from '../watch/types.js';

/** ts.FileWatcherEventKind */
export const FileEventKind = { Created: 0, Changed: 1, Deleted: 2 } as const;
export type FileEventKind = (typeof FileEventKind)[keyof typeof FileEventKind];
export type FileCallback = (fileName: string, kind: FileEventKind, modifiedTime?: Date) => void;
export type DirectoryCallback = (fileName: string) => void;

/** tsc's missing-file time (ts.missingFileModifiedTime). */
const MISSING_TIME = new Date(0);
/**
 * Batching: tsc waits 250 ms after a change before it rebuilds, and coalesces what comes meanwhile, so
 * batching here would only add to that: a batch leaves 5 ms after the last event (200 ms at the latest).
 */
const STEP_MS = 5;
const DEBOUNCE_MS = 200;

interface FileEntry {
  callbacks: Set<FileCallback>;
  /** What tsc was last told (or found at registration): the mtime, or undefined while missing. */
  mtimeMs: number | undefined;
  /** The path's original spelling, passed back to the callbacks. */
  name: string;
}

interface DirEntry {
  flat: Set<DirectoryCallback>;
  recursive: Set<DirectoryCallback>;
}

/** Root -> recursive: what the watches need, handed to RootSet.set(). */
type Plan = Map<string, boolean>;

export interface HubOptions {
  /** Directory names never watched below a recursive root (tsc ignores .git the same way). */
  ignoreDirs?: string[];
  onError?: (error: Error) => void;
}

export class WatchHub {
  private readonly files = new Map<string, FileEntry>();
  private readonly dirs = new Map<string, DirEntry>();
  private readonly rootSet = new RootSet((dir, recursive) => this.subscribe(dir, recursive));
  private replanScheduled = false;
  private planning: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: HubOptions = {}) {}

  watchFile(name: string, callback: FileCallback): { close(): void } {
    const abs = path.resolve(name);
    let entry = this.files.get(abs);
    if (!entry) {
      entry = { callbacks: new Set(), mtimeMs: mtimeOf(abs), name };
      this.files.set(abs, entry);
      this.scheduleReplan();
    }
    entry.callbacks.add(callback);
    const e = entry;
    return {
      close: () => {
        e.callbacks.delete(callback);
        if (e.callbacks.size === 0 && this.files.get(abs) === e) {
          this.files.delete(abs);
          this.scheduleReplan();
        }
      },
    };
  }

  watchDirectory(name: string, callback: DirectoryCallback, recursive: boolean): { close(): void } {
    const abs = path.resolve(name);
    let entry = this.dirs.get(abs);
    if (!entry) this.dirs.set(abs, (entry = { flat: new Set(), recursive: new Set() }));
    const set = recursive ? entry.recursive : entry.flat;
    set.add(callback);
    this.scheduleReplan();
    const e = entry;
    return {
      close: () => {
        set.delete(callback);
        if (e.flat.size === 0 && e.recursive.size === 0 && this.dirs.get(abs) === e) this.dirs.delete(abs);
        this.scheduleReplan();
      },
    };
  }

  /** OS watches (inotify watches on Linux) the one subscription holds, as of the last re-plan. */
  get watchCount(): number {
    return this.rootSet.watchCount;
  }

  /** Resolves once the current plan is in place (for tests and benchmarks). */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.planning;
      await current;
      if (current === this.planning && !this.replanScheduled) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.files.clear();
    this.dirs.clear();
    await this.planning;
    await this.rootSet.close();
  }

  // --- planning --------------------------------------------------------------------------------------

  private scheduleReplan(): void {
    if (this.replanScheduled || this.closed) return;
    this.replanScheduled = true;
    // tsc registers hundreds of watches while it builds a program: plan once they are all in.
    setImmediate(() => {
      this.replanScheduled = false;
      this.planning = this.planning.then(() => this.replan()).catch((e) => this.report(e));
    });
  }

  private async replan(): Promise<void> {
    if (this.closed) return;
    // Unchanged roots cost nothing: RootSet adds the new ones first, then lets the old ones go.
    const { refused } = await this.rootSet.set(this.computePlan());
    // A root that vanished between the plan and its watch: plan again from what exists now.
    if (refused.length) this.scheduleReplan();
    // What changed while no watch covered it (before the plan was in place): tell tsc now.
    this.catchUp();
  }

  private computePlan(): Plan {
    const memo = new Map<string, string>();
    const nearestExisting = (p: string) => {
      let hit = memo.get(p);
      if (hit === undefined) memo.set(p, (hit = nearestDirectory(p)));
      return hit;
    };
    const recursive = minimalRoots(
      [...this.dirs].filter(([, d]) => d.recursive.size > 0).map(([p]) => nearestExisting(p)),
    );
    const covered = (p: string) => recursive.some((r) => isUnder(r, p));
    const flat = new Set<string>();
    for (const [p, d] of this.dirs) if (d.flat.size > 0 && !covered(p)) flat.add(nearestExisting(p));
    for (const p of this.files.keys()) {
      const dir = nearestExisting(path.dirname(p));
      if (!covered(dir)) flat.add(dir);
    }
    const plan: Plan = new Map(recursive.map((r) => [r, true]));
    for (const p of [...flat].sort()) if (!covered(p)) plan.set(p, false);
    return plan;
  }

  /** The one subscription, started on the RootSet's first root; the others are added to it. */
  private subscribe(dir: string, recursive: boolean): Promise<Subscription> {
    return subscribe(dir, (batch) => this.dispatch(batch), {
      step: STEP_MS,
      debounce: DEBOUNCE_MS,
      recursive,
      filter: new DefaultFilter({ ignoreDirs: this.options.ignoreDirs ?? ['.git'], ignoreEntityPatterns: [] }),
      vcsSettle: false,
      onLimit: 'poll',
      ignorePermissionDenied: true,
      onError: (e: WatchError) => this.report(e),
    });
  }

  // --- dispatch ------------------------------------------------------------------------------------

  private dispatch(batch: ChangeBatch): void {
    if (this.closed) return;
    let structural = false;
    const touched = new Set<string>();
    for (const c of batch) {
      if (c.oldPath) touched.add(c.oldPath);
      touched.add(c.path);
      // A directory made or removed may change the plan (a missing path's nearest ancestor).
      if (c.isDir || c.change !== Change.modified) structural = true;
    }
    for (const p of touched) {
      this.notifyFile(p);
      this.notifyDirs(p);
    }
    if (structural) this.scheduleReplan();
  }

  /** Tells a file's watchers what it is now, if that differs from what they were last told. */
  private notifyFile(abs: string): void {
    const entry = this.files.get(abs);
    if (!entry) return;
    const now = mtimeOf(abs);
    const was = entry.mtimeMs;
    if (now === was) return;
    entry.mtimeMs = now;
    const kind = now === undefined ? FileEventKind.Deleted : was === undefined ? FileEventKind.Created : FileEventKind.Changed;
    const time = now === undefined ? MISSING_TIME : new Date(now);
    for (const cb of [...entry.callbacks]) this.call(() => cb(entry.name, kind, time));
  }

  /** Calls the directory watchers that cover `abs`: its parent's, and every recursive ancestor's. */
  private notifyDirs(abs: string): void {
    if (this.dirs.size === 0) return;
    let dir = path.dirname(abs);
    const parent = this.dirs.get(dir);
    if (parent) for (const cb of [...parent.flat]) this.call(() => cb(abs));
    for (;;) {
      const d = this.dirs.get(dir);
      if (d) for (const cb of [...d.recursive]) this.call(() => cb(abs));
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }

  private catchUp(): void {
    for (const abs of [...this.files.keys()]) this.notifyFile(abs);
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.options.onError) this.options.onError(e);
    else process.stderr.write(`watchfiles-node/typescript: ${e.message}\n`);
  }
}

function mtimeOf(abs: string): number | undefined {
  try {
    return fs.statSync(abs, { throwIfNoEntry: false })?.mtimeMs;
  } catch {
    return undefined;
  }
}

/** Sorted, without any path that lies below another. */
function minimalRoots(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.some((r) => isUnder(r, p))) out.push(p);
  return out;
}
