/**
 * The pure-JS polling backend: used only when no native binary fits the platform. It walks the roots with
 * the same pruning rules as the native core, then compares lstat() results (mtime in ns, size, inode)
 * every `pollDelay` ms. Its cost is proportional to the files watched, which is why it is a fallback.
 * It keeps the watcher's promises: batches follow `step`/`debounce` and are held during a VCS operation
 * (`vcsSettle`), as the core's are (fallback/batch-clock.ts); symlinked directories are followed, each real
 * directory once (`followSymlinks`); what it cannot honour (`gitignore`) is refused with a TypeError.
 */
import fs from 'node:fs';
import path from 'node:path';
import { nativeLoadError } from '../addon.js';
import { makeBatch } from '../batch.js';
import { BatchClock } from '../fallback/batch-clock.js';
import { VcsProbe } from '../fallback/vcs.js';
import { rejectUnsupported } from '../option-table.js';
import type { ResolvedOptions } from '../options.js';
import { Change, WatchError, type FileChange } from '../types.js';
import { compileFilter, isUnder, type IgnorePredicate } from '../filters.js';
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
  rejectUnsupported(options as unknown as Record<string, unknown>, 'js-poll', `no native binary: ${nativeLoadError()}`);
  const ignored = compileFilter(options);
  for (const root of options.roots) checkRoot(root);
  // Root -> recursive: the start roots take the option, roots added later their own.
  const roots = new Map(options.roots.map((r) => [r, options.recursive]));
  // The repositories of the roots watched now: a checkout in a root added later is one batch too.
  const vcsProbe = () => (options.vcsSettle ? VcsProbe.forRoots([...roots.keys()]) : undefined);
  const clock = new BatchClock({
    step: options.step,
    debounce: options.debounce,
    vcs: vcsProbe(),
    vcsSettleTimeout: options.vcsSettleTimeout,
  });
  const scanAll = () => scan({ ...options, roots: [...roots.keys()] }, ignored, sinks, (r) => roots.get(r) ?? options.recursive);
  let snapshot = scanAll();
  let nextPoll = Date.now() + options.pollDelay;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // One timer for both jobs: the next pass, and the moment the pending batch is due.
  const wake = () => {
    if (stopped) return;
    let now = Date.now();
    if (now >= nextPoll) {
      const next = scanAll();
      clock.add(makeBatch(diff(snapshot, next)), now);
      snapshot = next;
      now = Date.now();
      nextPoll = now + options.pollDelay;
    }
    const batch = clock.take(now);
    if (batch) sinks.onBatch(batch);
    if (stopped) return;
    const due = clock.wait(now);
    timer = setTimeout(wake, Math.max(0, Math.min(nextPoll - now, due ?? Infinity)));
    timer.unref();
  };
  timer = setTimeout(wake, options.pollDelay);
  timer.unref();
  return {
    backend: 'js-poll',
    pollReason: 'no native binary',
    watchCount: 0,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    // What the root holds now is the baseline: the snapshot takes it without a report; a root that does
    // not exist yet is reported by the pass that finds it.
    async addRoot(root, recursive) {
      roots.set(root, recursive);
      clock.followVcs(vcsProbe());
      const added = scan({ ...options, roots: [root] }, ignored, sinks, () => recursive);
      for (const [p, e] of added) if (!snapshot.has(p)) snapshot.set(p, e);
    },
    async removeRoot(root) {
      if (!roots.delete(root)) return;
      clock.followVcs(vcsProbe());
      // What no remaining root holds leaves the snapshot silently: removing a root is no change on disk.
      const holds = (p: string) =>
        [...roots].some(([r, recursive]) => p === r || (recursive ? isUnder(r, p) : path.dirname(p) === r));
      for (const p of [...snapshot.keys()]) if (!holds(p)) snapshot.delete(p);
    },
  };
}

export function scan(
  options: ResolvedOptions,
  ignored: IgnorePredicate,
  sinks: BackendSinks,
  recursiveFor: (root: string) => boolean = () => options.recursive,
): Snapshot {
  const out: Snapshot = new Map();
  // Real directories already walked: a symlinked directory is walked under the first path that reaches it,
  // and a loop ends.
  const walked = new Set<string>();
  for (const root of options.roots) {
    const recursive = recursiveFor(root);
    const rootStat = stat(root, true);
    if (!rootStat) continue;
    out.set(root, rootStat.entry);
    if (!rootStat.entry.isDir || !firstVisit(walked, rootStat.id)) continue;
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
        const st = stat(p, options.followSymlinks);
        if (!st) continue;
        out.set(p, st.entry);
        if (st.entry.isDir && recursive && firstVisit(walked, st.id)) stack.push([p, depth + 1]);
      }
    }
  }
  return out;
}

/** True the first time the directory with this identity (device and inode) is seen. */
function firstVisit(walked: Set<string>, id: string): boolean {
  if (walked.has(id)) return false;
  walked.add(id);
  return true;
}

/**
 * The entry at `p` and the identity of what it is (device:inode); a symlink to a directory reads as that
 * directory when `follow` is set.
 */
function stat(p: string, follow: boolean): { entry: Entry; id: string } | undefined {
  try {
    let s = fs.lstatSync(p, { bigint: true });
    if (follow && s.isSymbolicLink()) {
      const target = fs.statSync(p, { bigint: true, throwIfNoEntry: false });
      if (target?.isDirectory()) s = target;
    }
    return { entry: { mtimeNs: s.mtimeNs, size: s.size, ino: s.ino, isDir: s.isDirectory() }, id: `${s.dev}:${s.ino}` };
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
