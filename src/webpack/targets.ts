/**
 * What a webpack watch asks for, and the directories our core must watch for it, the way watchpack
 * does it but on one native watcher: a file or a missing path is seen from its nearest existing
 * directory (non-recursively: only that directory's own entries), a context directory is watched
 * recursively, and also from its parent so its own removal is seen. With `followSymlinks`, the real
 * path of each item is watched too and its events are reported under the path webpack gave.
 * The Vite bridge plans its watches with the same rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { WatchTarget } from '../chokidar/subscriptions.js';

export interface WatchedItems {
  /** Files and missing paths webpack watches (its fileDependencies and missingDependencies). */
  files: Set<string>;
  /** Context directories (contextDependencies), watched with everything below them. */
  directories: Set<string>;
  /** Real path -> the file/missing items that resolve to it (followSymlinks only). */
  fileAliases: Map<string, string[]>;
  /** Real path -> the directory items that resolve to it (followSymlinks only). */
  directoryAliases: Map<string, string[]>;
}

/**
 * Every directory above a watched path: only a directory among these appearing or going moves a watch.
 * (A busy parent such as /tmp holds a watched project: its other entries must cost nothing.)
 */
export function ancestorsOf(items: WatchedItems): Set<string> {
  const out = new Set<string>();
  const all = [...items.files, ...items.fileAliases.keys(), ...items.directories, ...items.directoryAliases.keys()];
  for (const p of all) {
    for (let dir = path.dirname(p); !out.has(dir); ) {
      out.add(dir);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return out;
}

export function collectItems(
  files: Iterable<string>,
  directories: Iterable<string>,
  missing: Iterable<string>,
  ignored: (p: string) => boolean,
  followSymlinks: boolean,
): WatchedItems {
  const items: WatchedItems = {
    files: new Set(),
    directories: new Set(),
    fileAliases: new Map(),
    directoryAliases: new Map(),
  };
  for (const list of [files, missing]) {
    for (const f of list) if (!ignored(f)) items.files.add(f);
  }
  for (const d of directories) if (!ignored(d)) items.directories.add(d);
  if (followSymlinks) {
    for (const f of items.files) alias(items.fileAliases, f, ignored);
    for (const d of items.directories) alias(items.directoryAliases, d, ignored);
  }
  return items;
}

function alias(map: Map<string, string[]>, item: string, ignored: (p: string) => boolean): void {
  let real: string;
  try {
    real = fs.realpathSync.native(item);
  } catch {
    return; // missing, or a dangling link: seen through its own path only
  }
  if (real === item || ignored(real)) return;
  const list = map.get(real);
  if (list) list.push(item);
  else map.set(real, [item]);
}

/**
 * The directories to watch now; recomputed when a directory appears or vanishes. `dirParents`: also
 * watch each directory's parent, to see the directory itself go (webpack wants that; Vite does not).
 */
export function planTargets(items: WatchedItems, dirParents = true): WatchTarget[] {
  const targets = new Map<string, WatchTarget>();
  const add = (p: string, recursive: boolean) => {
    const key = `${recursive ? 'r' : 'n'}${p}`;
    if (!targets.has(key)) targets.set(key, { path: p, recursive });
  };
  const fileLike = [...items.files, ...items.fileAliases.keys()];
  const dirLike = [...items.directories, ...items.directoryAliases.keys()];
  for (const f of fileLike) add(nearestExistingDir(path.dirname(f)), false);
  for (const d of dirLike) {
    const exists = isDirectory(d);
    if (exists) add(d, true);
    if (dirParents || !exists) add(nearestExistingDir(path.dirname(d)), false);
  }
  return [...targets.values()];
}

export function nearestExistingDir(dir: string): string {
  for (;;) {
    if (isDirectory(dir)) return dir;
    const up = path.dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
