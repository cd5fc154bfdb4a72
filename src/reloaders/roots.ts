/**
 * The minimal set of directories to hand the native watcher for a WatchList: a glob's directory
 * (recursive unless the glob is one level deep), a single file's parent (not recursive), minus every
 * root another recursive root already covers. Like Django's common_roots(), but a lone file never drags
 * in its parent's whole subtree.
 */
import path from 'node:path';
import { ignoredByDefault, isUnder } from '../watch/filters.js';
import type { WatchList } from './watch-list.js';

export interface WatchRoot {
  readonly dir: string;
  readonly recursive: boolean;
}

/**
 * True when a recursive watch of `outer` sees everything in `dir`: the same directory, or one below it
 * that no default-ignored directory (node_modules, .git...) hides from the watcher.
 */
function covers(outer: string, dir: string): boolean {
  return isUnder(outer, dir) && !ignoredByDefault(dir, outer);
}

export function computeRoots(watches: WatchList): WatchRoot[] {
  const recursive = new Set<string>();
  const flat = new Set<string>();
  for (const g of watches.globs.values()) (g.maxDepth > 1 ? recursive : flat).add(g.walkDir);
  for (const file of watches.files.keys()) flat.add(path.dirname(file));
  for (const file of watches.errorFiles.keys()) flat.add(path.dirname(file));

  // Shortest first, so an outer root is kept before the roots it covers are considered.
  const keptRecursive: string[] = [];
  for (const dir of [...recursive].sort((a, b) => a.length - b.length)) {
    if (!keptRecursive.some((outer) => covers(outer, dir))) keptRecursive.push(dir);
  }
  const roots: WatchRoot[] = keptRecursive.map((dir) => ({ dir, recursive: true }));
  const recursiveSet = new Set(keptRecursive);
  for (const dir of [...flat].sort()) {
    if (!hasCoveringAncestor(dir, recursiveSet)) roots.push({ dir, recursive: false });
  }
  return roots;
}

/** Walks up from `dir` looking for a recursive root that covers it: O(depth) instead of O(roots). */
function hasCoveringAncestor(dir: string, recursiveRoots: Set<string>): boolean {
  let current = dir;
  for (;;) {
    if (recursiveRoots.has(current) && covers(current, dir)) return true;
    const parent = path.dirname(current);
    if (parent === current) return false;
    current = parent;
  }
}
