/**
 * Which directories the watcher core must watch, kept on ONE subscription (a RootSet) whatever the
 * targets. Every add(), unwatch(), newly followed symlink and path that appeared re-plans: a target
 * already inside a recursive watch costs nothing more, a root no target needs any longer is removed.
 */
import fs from 'node:fs';
import { RootSet, type StartRoot } from '../watch/root-set.js';
import { isUnder } from '../watch/filters.js';

export interface WatchTarget {
  /** An existing directory; or, with `missing`, a path watched before it exists. */
  path: string;
  /** Watch below it too (false: only its own entries, for watched files and depth 0). */
  recursive: boolean;
  /** Not there yet: the core looks for it and reports it (and what it holds) once it appears. */
  missing?: boolean;
}

export interface SubscriptionSetOptions {
  /**
   * Flat and recursive targets need different watcher options (webpack: no default ignores for a
   * directory it named): one subscription for each kind, started with `recursive` accordingly.
   */
  splitByRecursion?: boolean;
}

export class SubscriptionSet {
  /** One RootSet, or (splitByRecursion) one per kind: [recursive, flat]. */
  private readonly sets: RootSet[];

  constructor(
    start: StartRoot,
    private readonly onError: (error: Error) => void,
    private readonly options: SubscriptionSetOptions = {},
  ) {
    this.sets = options.splitByRecursion
      ? [new RootSet((dir) => start(dir, true)), new RootSet((dir) => start(dir, false))]
      : [new RootSet(start)];
  }

  /**
   * Watches what `targets` need and nothing else. Returns the targets that got a new watch: what changed
   * there before the watch was in place was not reported, so the caller re-checks.
   */
  async plan(targets: readonly WatchTarget[]): Promise<WatchTarget[]> {
    const wanted = minimal(targets.filter((t) => t.missing || isDirectory(t.path)));
    const added = new Set<string>();
    const split = this.options.splitByRecursion;
    for (const [i, set] of this.sets.entries()) {
      const mine = split ? wanted.filter((t) => t.recursive === (i === 0)) : wanted;
      try {
        // A refused target (a file on the way: a/file.txt/b) is asked for again at the next plan.
        for (const dir of (await set.set(new Map(mine.map((t) => [t.path, t.recursive])))).added) added.add(dir);
      } catch (error) {
        this.onError(error as Error);
      }
    }
    return wanted.filter((t) => added.has(t.path));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.sets.map((s) => s.close()));
  }
}

function covers(outer: WatchTarget, t: WatchTarget): boolean {
  if (outer.recursive) return isUnder(outer.path, t.path);
  return !t.recursive && outer.path === t.path;
}

/** Drops targets that another target in the list already covers. */
function minimal(targets: readonly WatchTarget[]): WatchTarget[] {
  const out: WatchTarget[] = [];
  const sorted = [...targets].sort((a, b) => Number(b.recursive) - Number(a.recursive) || a.path.length - b.path.length);
  for (const t of sorted) {
    if (!out.some((o) => covers(o, t))) out.push(t);
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
