/**
 * No restart loops: a program that writes a file inside the watched tree restarts itself, writes it
 * again, and so on forever. Nothing in a file event says who wrote the file, so the guard goes by what
 * such writes look like: a file appended to (its new bytes begin with the old ones: a log) within
 * `windowMs` of the running child's start, by `threshold` restarts in a row. Those files are paused:
 * their changes no longer restart the child, which keeps running, and the runner says so in one line
 * naming the files and the ignore that fixes it for good.
 *
 * A file rewritten with the same bytes (a cache, a generated module that comes out the same) never
 * restarts anything in the first place (content-memo.ts). A file rewritten with new bytes each time (a
 * generated module with a timestamp) is not recognised: a script that edits a source file right after
 * each restart (a benchmark, an end-to-end test) looks exactly the same, and must not be paused.
 */
import type { FileChange } from '../watch/types.js';

export const LOOP_WINDOW_MS = 2000;
export const LOOP_THRESHOLD = 4;

export class LoopGuard {
  private readonly paused = new Set<string>();
  private streak: Set<string> | undefined;
  private count = 0;

  constructor(
    private readonly windowMs = LOOP_WINDOW_MS,
    private readonly threshold = LOOP_THRESHOLD,
  ) {}

  /** Files whose changes no longer restart anything. */
  get pausedFiles(): readonly string[] {
    return [...this.paused];
  }

  /** The changes that may still restart the child. */
  strip<T extends FileChange>(changes: readonly T[]): T[] {
    return this.paused.size ? changes.filter((c) => !this.paused.has(c.path)) : [...changes];
  }

  /**
   * A restart is about to begin; `appended` are the files of its changes that were only appended to,
   * `childAgeMs` is how long the running child has run (undefined when none runs). Returns the files to
   * pause now, if this restart completes a loop.
   */
  observe(appended: readonly string[], childAgeMs: number | undefined): string[] {
    const files = [...appended];
    if (childAgeMs === undefined || childAgeMs > this.windowMs || files.length === 0) {
      this.reset();
      return [];
    }
    const common = this.streak ? new Set(files.filter((f) => this.streak!.has(f))) : new Set(files);
    if (common.size === 0) {
      this.streak = new Set(files);
      this.count = 1;
      return [];
    }
    this.streak = common;
    this.count++;
    if (this.count < this.threshold) return [];
    const loop = [...common];
    for (const f of loop) this.paused.add(f);
    this.reset();
    return loop;
  }

  /** A manual restart, or one for other reasons: the streak is broken. */
  reset(): void {
    this.streak = undefined;
    this.count = 0;
  }
}
