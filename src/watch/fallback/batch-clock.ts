/**
 * The batching rule of the native core (crates/core/src/engine), for the pure-JS fallbacks (the JS poller
 * and the StatReloader): a batch is due `step` ms after the last change found, or `debounce` ms after its
 * first, whichever comes first; while a VCS operation is under way a due batch is held (for at most
 * `vcsSettleTimeout`) and given out once it is over. A poller "finds" changes at each pass, so `step`
 * longer than the poll interval merges the passes of one burst into one batch.
 *
 * Pure bookkeeping: the caller owns the timers, asks `wait()` how long to sleep and `take()` for a batch.
 */
import { mergeBatches } from '../batch.js';
import type { ChangeBatch } from '../types.js';
import type { VcsProbe } from './vcs.js';

export interface BatchRules {
  step: number;
  debounce: number;
  /** Present when `vcsSettle` is on and a root lies in a repository (replaced later with followVcs()). */
  vcs?: VcsProbe | undefined;
  vcsSettleTimeout: number;
}

export class BatchClock {
  private pending: ChangeBatch[] = [];
  private first = 0;
  private last = 0;
  private holdSince: number | undefined;
  private vcs: VcsProbe | undefined;

  constructor(private readonly rules: BatchRules) {
    this.vcs = rules.vcs;
  }

  /**
   * The repositories to wait for, from now on: a watcher whose roots come and go probes the repositories
   * of the roots it has now (as the core's refresh_vcs does), not only those it started with.
   */
  followVcs(vcs: VcsProbe | undefined): void {
    this.vcs = vcs;
  }

  get empty(): boolean {
    return this.pending.length === 0;
  }

  /** Records what one pass found (nothing to do for an empty batch). */
  add(batch: ChangeBatch, now: number): void {
    if (!batch.length && !batch.rescan) return;
    if (this.pending.length === 0) this.first = now;
    this.last = now;
    this.pending.push(batch);
  }

  /** How long until take() may give a batch (undefined when nothing is pending). */
  wait(now: number): number | undefined {
    if (this.pending.length === 0) return undefined;
    // Held for a VCS operation: look again one step later, like the core.
    if (this.holdSince !== undefined) return this.rules.step;
    return Math.max(0, this.due() - now);
  }

  /** The net batch when it is due and no VCS operation holds it, else undefined. */
  take(now: number): ChangeBatch | undefined {
    if (this.pending.length === 0 || now < this.due()) return undefined;
    if (this.vcs?.busy()) {
      this.holdSince ??= now;
      if (now - this.holdSince < this.rules.vcsSettleTimeout) return undefined;
    }
    this.holdSince = undefined;
    const batch = mergeBatches(this.pending);
    this.pending = [];
    return batch.length || batch.rescan ? batch : undefined;
  }

  private due(): number {
    return Math.min(this.last + this.rules.step, this.first + this.rules.debounce);
  }
}
