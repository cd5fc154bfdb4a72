/**
 * No restart loops: a program that writes a file inside the watched tree (a log, a cache, a generated
 * module) restarts itself, writes it again, and so on forever. A change-triggered restart is suspect
 * when it comes within `windowMs` of the running child's start (the program's own start-up or timer
 * writes, not a person's edit-look-edit cycle). When `threshold` suspect restarts in a row were each
 * caused by the same file(s), with content that differs each time (identical rewrites never get here,
 * see content-memo.ts), those files are paused: their changes no longer restart the child, which keeps
 * running. The runner says so in one line naming the files and the ignore that fixes it for good.
 */
import type { FileChange } from '../types.js';

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
   * A restart for `changes` is about to begin; `childAgeMs` is how long the running child has run
   * (undefined when none runs). Returns the files to pause now, if this restart completes a loop.
   */
  observe(changes: readonly FileChange[], childAgeMs: number | undefined): string[] {
    const files = changes.filter((c) => !c.isDir).map((c) => c.path);
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
