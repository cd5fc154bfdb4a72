/**
 * Closes the gap between "the child loaded a file" and "the reloader watches it". A file the child reports
 * is watched from the reloader's next step, which takes its baseline then: an edit made in between would be
 * the baseline, not a change, and the server would keep running stale code. So once the reloader says the
 * reported files are in place (watchesInPlace()), each one modified since the child resolved it is reported
 * here. The window is the real one, not a guess: it opens when the child resolved the file (its report leaves
 * only after the module graph has run, and an edit can come before it) and closes when the watch is in
 * place, however long a loaded machine takes to get there. An edit right at that moment may be seen twice,
 * here and by the reloader; the runner's content memo drops the second (same bytes, no restart).
 * A restart drops pending checks: the new child loads every file afresh and reports them again.
 */
import fs from 'node:fs';
import { MTIME_SLACK_MS } from '../run/content-memo.js';
import { makeBatch } from '../watch/batch.js';
import { Change, type ChangeBatch, type FileChange } from '../watch/types.js';

export class LateWatchGuard {
  /** Bumped by reset(): a check begun for an earlier child is dropped. */
  private generation = 0;

  /** `inPlace`: resolves once the files watched so far are in place (the reloader's watchesInPlace()). */
  constructor(
    private readonly inPlace: () => Promise<void>,
    private readonly onMissed: (changes: ChangeBatch) => void,
  ) {}

  /** `files` were watched just now; the child resolved the first of them at `resolvedAt` (ms since the epoch). */
  track(files: readonly string[], resolvedAt: number): void {
    const generation = this.generation;
    void this.inPlace().then(() => {
      if (generation === this.generation) this.check(files, resolvedAt);
    });
  }

  /** A new child is starting: it loads (and reports) everything again. */
  reset(): void {
    this.generation++;
  }

  private check(files: readonly string[], resolvedAt: number): void {
    const missed: FileChange[] = [];
    for (const file of files) {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      // A file gone since is the reloader's 'deleted' (its directory is watched); one that is not a file was never loaded.
      if (st?.isFile() && st.mtimeMs > resolvedAt - MTIME_SLACK_MS) missed.push({ change: Change.modified, path: file });
    }
    if (missed.length) this.onMissed(makeBatch(missed));
  }
}
