/**
 * The pure-JS polling backend: used only when no native binary fits the platform. It walks the roots with
 * the same pruning rules as the native core, then compares lstat() results (mtime in ns, size, inode)
 * every `pollDelay` ms. Its cost is proportional to the files watched, which is why it is a fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch } from '../batch.js';
import type { ResolvedOptions } from '../options.js';
import { Change, WatchError, type FileChange } from '../types.js';
import { compileFilter, type IgnorePredicate } from '../filters.js';
import { checkRoot } from './check-root.js';
import type { BackendHandle, BackendSinks } from './types.js';

export interface Entry {
  mtimeNs: bigint;
  size: bigint;
  ino: bigint;
  isDir: boolean;
}

export type Snapshot = Map<string, Entry>;

export async function startJsPoll(options: ResolvedOptions, sinks: BackendSinks): Promise<BackendHandle> {
  const ignored = compileFilter(options);
  for (const root of options.roots) checkRoot(root);
  let snapshot = scan(options, ignored, sinks);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const next = scan(options, ignored, sinks);
    const changes = diff(snapshot, next);
    snapshot = next;
    if (changes.length) sinks.onBatch(makeBatch(changes));
    timer = setTimeout(tick, options.pollDelay);
    timer.unref();
  };
  timer = setTimeout(tick, options.pollDelay);
  timer.unref();
  return {
    backend: 'js-poll',
    pollReason: 'no native binary',
    watchCount: 0,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

export function scan(options: ResolvedOptions, ignored: IgnorePredicate, sinks: BackendSinks): Snapshot {
  const out: Snapshot = new Map();
  for (const root of options.roots) {
    const rootEntry = stat(root);
    if (!rootEntry) continue;
    out.set(root, rootEntry);
    if (!rootEntry.isDir) continue;
    const stack: Array<[string, number]> = [[root, 0]];
    while (stack.length) {
      const [dir, depth] = stack.pop()!;
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES' && !options.ignorePermissionDenied) {
          sinks.onError(new WatchError('EACCES', `permission denied: ${dir} (pass ignorePermissionDenied to skip it)`, dir));
        }
        continue;
      }
      for (const name of names) {
        const p = path.join(dir, name);
        if (ignored(p, root)) continue;
        const e = stat(p);
        if (!e) continue;
        out.set(p, e);
        if (e.isDir && options.recursive) stack.push([p, depth + 1]);
      }
    }
  }
  return out;
}

function stat(p: string): Entry | undefined {
  try {
    const s = fs.lstatSync(p, { bigint: true });
    return { mtimeNs: s.mtimeNs, size: s.size, ino: s.ino, isDir: s.isDirectory() };
  } catch {
    return undefined;
  }
}

export function diff(before: Snapshot, after: Snapshot): FileChange[] {
  const changes: FileChange[] = [];
  for (const [p, e] of after) {
    const old = before.get(p);
    if (!old) changes.push({ change: Change.added, path: p, isDir: e.isDir });
    else if (!e.isDir && (old.mtimeNs !== e.mtimeNs || old.size !== e.size || old.ino !== e.ino)) {
      changes.push({ change: Change.modified, path: p, isDir: false });
    }
  }
  for (const [p, e] of before) {
    if (!after.has(p)) changes.push({ change: Change.deleted, path: p, isDir: e.isDir });
  }
  return changes;
}
