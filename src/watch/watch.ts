/**
 * watch(): the async-iterator face of the watcher. Batches that arrive while the consumer is busy are
 * merged into one (net effect per path), so a slow loop never sees stale intermediate states.
 *
 * Errors: a start error throws from the first next() and ends the iterator (later next() calls return
 * done). An error while watching (an unreadable directory created in the tree, a path too long to watch)
 * does not end the loop: the watcher goes on, and the error goes to `onError` (default: one line on stderr).
 *
 * An iterator dropped without return() (nothing can read its batches any more) is closed when it is
 * garbage-collected: the state below is shared with the native callbacks, but points back at the
 * iterator only while a next() is pending (`watch(dir).next()` awaited alone must still get its batch).
 */
import { makeBatch, mergeBatches } from './batch.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { start } from './subscribe.js';
import type { ChangeBatch, Subscription, WatchError, WatchOptions } from './types.js';

export function watch(paths: string | string[], options: WatchOptions = {}): AsyncIterableIterator<ChangeBatch> {
  // Validate eagerly, so bad input throws at the call site rather than at the first next().
  const feed = new Feed(resolveOptions(paths, options));
  const iterator: AsyncIterableIterator<ChangeBatch> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => feed.next(iterator),
    return: () => feed.finish(),
    async throw(e?: unknown) {
      await feed.finish();
      throw e;
    },
  };
  abandoned.register(iterator, feed);
  return iterator;
}

/** Closes the watcher of an iterator that was dropped while running. */
const abandoned = new FinalizationRegistry<Feed>((feed) => void feed.finish());

type IterResult = IteratorResult<ChangeBatch>;

/** What the iterator and the watcher's callbacks share: the batches not yet yielded and the run state. */
class Feed {
  private readonly queue: ChangeBatch[] = [];
  private readonly waiters = new Set<() => void>();
  private sub: Subscription | undefined;
  private starting: Promise<void> | undefined;
  private done = false;
  private finishing: Promise<IterResult> | undefined;
  /** The iterator, while a next() is pending: someone awaits it, so it must not be collected. */
  private owner: object | undefined;
  private pendingNexts = 0;
  private readonly onAbort = () => {
    this.done = true;
    this.notify();
  };

  constructor(private readonly o: ResolvedOptions) {}

  async next(owner: object): Promise<IterResult> {
    this.owner = owner;
    this.pendingNexts++;
    try {
      return await this.nextBatch();
    } finally {
      if (--this.pendingNexts === 0) this.owner = undefined;
    }
  }

  private async nextBatch(): Promise<IterResult> {
    if (this.done || this.o.signal?.aborted) return this.finish();
    try {
      await (this.starting ??= this.start());
    } catch (e) {
      // The start failed: this call throws, every later one ends the iterator.
      await this.finish();
      throw e;
    }
    for (;;) {
      if (this.done || this.o.signal?.aborted) return this.finish();
      if (this.queue.length) {
        const batch = mergeBatches(this.queue.splice(0));
        if (batch.length || batch.rescan) return { done: false, value: batch };
        continue;
      }
      const timedOut = await this.waitForWake(this.o.timeout);
      if (timedOut && this.o.yieldOnTimeout && !this.queue.length && !this.done) {
        return { done: false, value: makeBatch([]) };
      }
    }
  }

  finish(): Promise<IterResult> {
    this.done = true;
    this.notify();
    this.finishing ??= (async () => {
      this.o.signal?.removeEventListener('abort', this.onAbort);
      await this.starting?.catch(() => {});
      await this.sub?.close();
      return { done: true, value: undefined } as IterResult;
    })();
    return this.finishing;
  }

  private async start(): Promise<void> {
    this.o.signal?.addEventListener('abort', this.onAbort, { once: true });
    const sub = await start(
      this.o,
      (batch) => {
        this.queue.push(batch);
        this.notify();
      },
      (e) => this.onError(e),
    );
    this.sub = sub;
    if (this.done) await sub.close();
  }

  /** An error while watching: the watcher goes on, so the loop does too. */
  private onError(e: WatchError): void {
    if (this.o.onError) return this.o.onError(e);
    process.stderr.write(`watchfiles-node: ${e.code}: ${e.message}\n`);
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  private waitForWake(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        if (timer) clearTimeout(timer);
        resolve(false);
      };
      this.waiters.add(wake);
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.waiters.delete(wake);
          resolve(true);
        }, timeout);
      }
    });
  }
}
