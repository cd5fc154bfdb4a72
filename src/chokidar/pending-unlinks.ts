/**
 * The `atomic` option: an editor that saves by deleting and re-creating a file must read as one
 * 'change'. A file's 'unlink' waits `atomic` ms (default 100); an 'add' of the same path within that
 * window cancels it and is reported as 'change' instead.
 */
export class PendingUnlinks {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly delayMs: number,
    private readonly persistent: boolean,
  ) {}

  /** Holds an unlink of `key`; `emit` runs when no add follows in time. */
  defer(key: string, emit: () => void): void {
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      emit();
    }, this.delayMs);
    if (!this.persistent) timer.unref();
    this.timers.set(key, timer);
  }

  /** True (and the unlink is dropped) when an unlink of `key` was waiting. */
  take(key: string): boolean {
    const timer = this.timers.get(key);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(key);
    return true;
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
