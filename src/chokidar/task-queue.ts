/**
 * Runs the facade's work one task at a time: the initial walk, each batch from the core, each add().
 * Batches that arrive during a walk wait for it, so the tracked tree is never read half-built.
 */
export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => void | Promise<void>): Promise<void> {
    const run = this.tail.then(task).catch((error) => this.onError(error));
    this.tail = run;
    return run;
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}

/** Lets long walks give the event loop a turn every few milliseconds. */
export class Budget {
  private since = performance.now();

  constructor(private readonly sliceMs = 8) {}

  async pause(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = performance.now();
  }
}
