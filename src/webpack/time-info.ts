/**
 * The time-info entries webpack reads after a rebuild is triggered (compiler.fileTimestamps and
 * compiler.contextTimestamps), in watchpack's shapes:
 *   a file:       { safeTime, timestamp, accuracy }  (timestamp is Number(stat.mtime), as webpack's
 *                                                     FileSystemInfo computes it for its snapshots)
 *   a directory:  {}                                  (existence only: webpack reads it fresh)
 *   missing:      null
 * With these webpack checks its snapshots without a stat per file. `safeTime` is the moment after which
 * the entry is known to hold; a snapshot taken before it is treated as possibly stale.
 */
import fs from 'node:fs';

export interface FileEntry {
  safeTime: number;
  timestamp: number;
  accuracy: number;
}
/** watchpack's ExistenceOnlyTimeEntry. */
export type ExistenceEntry = Record<string, never>;
export type TimeInfoEntry = FileEntry | ExistenceEntry | null;
export type TimeInfoEntries = Map<string, TimeInfoEntry>;

export const EXISTENCE_ONLY: ExistenceEntry = Object.freeze({}) as ExistenceEntry;

/**
 * How finely the file system records mtimes, learned from what we see (as watchpack does): 1 ms on
 * file systems with sub-millisecond mtimes (ext4, APFS, NTFS), coarser on FAT (2 s) or HFS+ (1 s).
 */
let accuracy = 2000;
function learnAccuracy(mtimeMs: number): void {
  if (accuracy > 1 && mtimeMs % 1 !== 0) accuracy = 1;
  else if (accuracy > 10 && mtimeMs % 10 !== 0) accuracy = 10;
  else if (accuracy > 100 && mtimeMs % 100 !== 0) accuracy = 100;
  else if (accuracy > 1000 && mtimeMs % 1000 !== 0) accuracy = 1000;
}

export interface Observed {
  entry: TimeInfoEntry;
  /** True when the path exists and is a directory. */
  isDir: boolean;
  /** mtime in ms (birth time for a directory, 0 where the file system has none); 0 when missing. */
  mtime: number;
}

/** Stats `file` (following symlinks, as webpack does). `initial`: first look, not after an event. */
export function observe(file: string, initial: boolean, now = Date.now()): Observed {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    st = undefined; // EACCES, ELOOP, ENOTDIR: webpack cannot read it either, so it is missing to it
  }
  if (!st) return { entry: null, isDir: false, mtime: 0 };
  const mtime = Number(st.mtime) || Number(st.ctime) || 1;
  // A directory counts from when it appeared (as in watchpack), not from its last listing change.
  if (st.isDirectory()) return { entry: EXISTENCE_ONLY, isDir: true, mtime: Number(st.birthtime) || 0 };
  learnAccuracy(st.mtimeMs);
  // A first look cannot tell an old write from one made a moment ago, within the mtime's accuracy;
  // after an event the write is known to be over by now.
  const entry: FileEntry = initial
    ? { safeTime: Math.min(now, mtime) + accuracy, timestamp: mtime, accuracy }
    : { safeTime: now, timestamp: mtime, accuracy: 0 };
  return { entry, isDir: false, mtime };
}

/** The current accuracy, for the "changed since the build started" check. */
export function mtimeAccuracy(): number {
  return accuracy;
}
