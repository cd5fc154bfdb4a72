/**
 * Watchman's file entries -> our changes. With `since`, each entry is already the net state of one path:
 * `new` says it did not exist at the since-clock, `exists` whether it does now. So an atomic save (temp file
 * renamed over the original) is `real: exists, not new` = modified, and the temp file `new, gone` = nothing.
 */
import path from 'node:path';
import { Change, type FileChange } from '../watch/types.js';
import type { WatchmanFile } from './client.js';

export interface RootView {
  /** The directory the names are relative to. */
  dir: string;
  /** When a single file is watched: its name; everything else in `dir` is dropped. */
  only?: string;
  recursive: boolean;
  /** The root as given, for the ignore rules (relative paths are taken from it). */
  root: string;
}

export function toChanges(files: readonly WatchmanFile[], view: RootView, ignored: (p: string, root: string) => boolean): FileChange[] {
  const out: FileChange[] = [];
  for (const f of files) {
    if (view.only !== undefined ? f.name !== view.only : !view.recursive && f.name.includes('/')) continue;
    const isDir = f.type === 'd';
    let change: Change;
    if (f.exists) change = f.new ? Change.added : Change.modified;
    else if (f.new) continue; // created and deleted again since the last result: no net change
    else change = Change.deleted;
    // A directory's own mtime changes whenever an entry in it does: that is its entries' change, not its own.
    if (isDir && change === Change.modified) continue;
    const p = path.join(view.dir, f.name);
    if (ignored(p, view.root)) continue;
    out.push({ change, path: p, isDir });
  }
  return out;
}

/**
 * A server-side expression that keeps the default-ignored directories (node_modules, .git...) out of the
 * results, so an `npm install` costs the server a few lines and us no JSON. Our own filter still decides.
 */
export function excludeDirsExpression(ignoreDirs: readonly string[]): unknown[] | undefined {
  if (!ignoreDirs.length) return undefined;
  const opts = { includedotfiles: true };
  const escaped = ignoreDirs.map((d) => d.replace(/[*?[\]\\]/g, '\\$&'));
  return [
    'not',
    [
      'anyof',
      ['name', [...ignoreDirs], 'basename'],
      ...escaped.flatMap((d) => [
        ['match', `${d}/**`, 'wholename', opts],
        ['match', `**/${d}/**`, 'wholename', opts],
      ]),
    ],
  ];
}

const RECRAWL = /Recrawled this watch (\d+) time/;

/** How many times the server recrawled the watch, from the warning it attaches to each result (0 if none). */
export function recrawlCount(warning: unknown): number {
  const m = typeof warning === 'string' ? RECRAWL.exec(warning) : null;
  return m ? Number(m[1]) : 0;
}
