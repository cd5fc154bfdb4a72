/**
 * Closes the gap between "the child loaded a file" and "the reloader watches it". A file reported by the
 * child is watched from the reloader's next sync (WatchfilesReloader) or its next stat pass
 * (StatReloader), which takes its baseline then: an edit made in between would be the baseline, not a
 * change, and the server would keep running stale code. So each reported file is stamped on arrival and
 * checked again once the reloader has surely caught up; an edit whose mtime falls inside that window is
 * reported here. The window opens when the child resolved the file, not when its report arrived: the
 * report leaves after the module graph has run, and an edit can come before it. Later edits are the reloader's to see. A restart cancels pending checks: the new child
 * loads every file afresh and reports them again.
 */
import fs from 'node:fs';
import { MTIME_SLACK_MS } from '../run/content-memo.js';
import { makeBatch } from '../watch/batch.js';
import { Change, type ChangeBatch } from '../watch/types.js';

interface Stamp {
  mtimeMs: number;
  size: number;
}

export class LateWatchGuard {
  private timers = new Set<NodeJS.Timeout>();

  /** `catchUpMs`: the longest time the reloader needs before a newly watched file has its baseline. */
  constructor(
    private readonly catchUpMs: number,
    private readonly onMissed: (changes: ChangeBatch) => void,
  ) {}

  /** `resolvedAt`: when the child resolved the first of `files` (older children do not say). */
  track(files: readonly string[], resolvedAt?: number): void {
    const arrived = Date.now();
    const stamps = new Map<string, Stamp>();
    for (const file of files) {
      const st = stat(file);
      if (st) stamps.set(file, st);
    }
    if (!stamps.size) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.check(stamps, arrived, resolvedAt);
    }, this.catchUpMs * 2);
    timer.unref();
    this.timers.add(timer);
  }

  /** A new child is starting: it loads (and reports) everything again. */
  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private check(stamps: Map<string, Stamp>, arrived: number, resolvedAt: number | undefined): void {
    const missed = [];
    for (const [file, before] of stamps) {
      const now = stat(file);
      const changed =
        !now ||
        now.mtimeMs !== before.mtimeMs ||
        now.size !== before.size ||
        // Edited after the child resolved it but before its report arrived (the stamp above is already the edit).
        (resolvedAt !== undefined && now.mtimeMs > resolvedAt - MTIME_SLACK_MS);
      // Only edits made before the reloader could have had its baseline; a missing file is the reloader's 'deleted'.
      if (now && changed && now.mtimeMs <= arrived + this.catchUpMs) missed.push({ change: Change.modified, path: file });
    }
    if (missed.length) this.onMissed(makeBatch(missed));
  }
}

function stat(file: string): Stamp | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? { mtimeMs: st.mtimeMs, size: st.size } : undefined;
}
