/**
 * Reported: what the facade currently reports as existing (the core's tree is what is on disk; this is
 * what chokidar's listeners were told): one entry per tracked path, and per directory the names below it.
 * Events are the differences between this and the disk, so a path is announced once however many backends
 * or batches mention it.
 */
import path from 'node:path';
import { isUnder } from '../watch/filters.js';
import type { Root } from './paths.js';

export interface Entry {
  kind: 'file' | 'dir';
  /** The watched path this entry was reached from. */
  root: Root;
  /** Levels below the root (the root is 0). */
  depth: number;
  /** A directory whose own entries are tracked (within `depth`, not a symlink loop). */
  expanded: boolean;
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
}

export class Reported {
  private readonly entries = new Map<string, Entry>();
  /** Directory -> names tracked in it; also holds the parents of roots, as chokidar's getWatched() does. */
  private readonly names = new Map<string, Set<string>>();

  get(abs: string): Entry | undefined {
    return this.entries.get(abs);
  }

  get size(): number {
    return this.entries.size;
  }

  set(abs: string, entry: Entry): void {
    this.entries.set(abs, entry);
    this.namesOf(path.dirname(abs)).add(path.basename(abs));
    if (entry.kind === 'dir') this.namesOf(abs);
  }

  /** Forgets one path (not its children: the caller removes those first, to report them). */
  delete(abs: string): void {
    this.entries.delete(abs);
    this.names.delete(abs);
    this.names.get(path.dirname(abs))?.delete(path.basename(abs));
  }

  /** Names tracked in a directory. */
  childrenOf(abs: string): string[] {
    const set = this.names.get(abs);
    return set ? [...set] : [];
  }

  /** All tracked paths at or below `abs`. */
  *pathsUnder(abs: string): Iterable<string> {
    for (const p of this.entries.keys()) if (isUnder(abs, p)) yield p;
  }

  *allPaths(): Iterable<[string, Entry]> {
    yield* this.entries;
  }

  /** chokidar's getWatched(): directory -> sorted names, keys relative to `cwd` when one is set. */
  watched(cwd: string | undefined): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [dir, set] of this.names) {
      const key = cwd ? path.relative(cwd, dir) || '.' : dir;
      out[key] = [...set].sort();
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
    this.names.clear();
  }

  private namesOf(dir: string): Set<string> {
    let set = this.names.get(dir);
    if (!set) this.names.set(dir, (set = new Set()));
    return set;
  }
}
