/**
 * Helpers for change batches: building them, and merging queued ones into their net effect when the
 * consumer of watch() is slower than the watcher.
 */
import { Change, type ChangeBatch, type FileChange } from './types.js';

export function makeBatch(changes: FileChange[], rescan = false): ChangeBatch {
  return Object.assign(changes, { rescan }) as ChangeBatch;
}

/** Net effect of `first` followed by `second` on one path, or undefined when nothing is left. */
export function combine(first: Change, second: Change): Change | undefined {
  if (first === Change.added) return second === Change.deleted ? undefined : Change.added;
  if (first === Change.deleted) return second === Change.added || second === Change.modified ? Change.modified : Change.deleted;
  return second === Change.added ? Change.modified : second;
}

/** Merges batches in order into one batch holding the net change per path. */
export function mergeBatches(batches: readonly ChangeBatch[]): ChangeBatch {
  if (batches.length === 1) return batches[0]!;
  const byPath = new Map<string, FileChange | null>();
  let rescan = false;
  for (const batch of batches) {
    rescan ||= batch.rescan;
    for (const c of batch) {
      const key = changeKey(c);
      const prev = byPath.get(key);
      if (!prev) {
        byPath.set(key, { ...c });
        continue;
      }
      const net = combine(prev.change, c.change);
      byPath.set(key, net === undefined ? null : { ...prev, ...c, change: net });
    }
  }
  const out: FileChange[] = [];
  for (const c of byPath.values()) if (c) out.push(c);
  return makeBatch(out, rescan);
}

/** What names a change's path uniquely: its text, or its bytes where the text is a lossy rendering. */
export function changeKey(c: FileChange): string {
  // NUL cannot occur in a path, so a bytes key never equals a text one.
  return c.pathBytes ? `\0${c.pathBytes.toString('hex')}` : c.path;
}
