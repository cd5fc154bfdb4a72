/**
 * Keeps a burst of changes (a formatter saving 50 files 20 ms apart, a build writing its output) from
 * restarting the child once per batch. The first batch of a burst restarts at once, so a single edit is
 * as fast as ever; a batch that follows the previous one within `gapMs` (or arrives while a restart is
 * under way) is held, and the held batches restart the child once, when no batch has come for `gapMs`.
 * A burst is thus at most two restarts: its first batch, and everything after it. A burst that never
 * ends still restarts every `maxHoldMs`, so no change waits forever.
 */

/** A batch closer than this to the previous one continues a burst (ms). */
export const BURST_GAP_MS = 150;
/** The longest a held change waits while a burst goes on (ms). */
export const BURST_MAX_HOLD_MS = 5000;

export class BurstGate {
  private lastBatch = -Infinity;
  private holdStarted: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Called when held batches are due: the burst is over (or has gone on for maxHoldMs). */
    private readonly release: () => void,
    private readonly gapMs = BURST_GAP_MS,
    private readonly maxHoldMs = BURST_MAX_HOLD_MS,
  ) {}

  /** True while batches are being held for the end of a burst. */
  get holding(): boolean {
    return this.holdStarted !== undefined;
  }

  /**
   * A batch arrived. Returns true when it may restart now, false when it is held (release() follows).
   * `restarting`: a restart is under way, so this batch is part of the same burst.
   */
  admit(restarting: boolean, now = Date.now()): boolean {
    const continues = restarting || now - this.lastBatch < this.gapMs || this.holding;
    this.lastBatch = now;
    if (!continues) return true;
    this.holdStarted ??= now;
    const left = Math.min(this.gapMs, this.holdStarted + this.maxHoldMs - now);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.holdStarted = undefined;
      this.release();
    }, Math.max(0, left));
    return false;
  }

  /** Held batches were taken by a restart anyway (a manual one): stop holding. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.holdStarted = undefined;
  }
}
