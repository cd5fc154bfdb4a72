/**
 * watch(): the async-iterator face of the watcher. Batches that arrive while the consumer is busy are
 * merged into one (net effect per path), so a slow loop never sees stale intermediate states.
 */
import { makeBatch, mergeBatches } from './batch.js';
import { resolveOptions } from './options.js';
import { start } from './subscribe.js';
import type { ChangeBatch, Subscription, WatchError, WatchOptions } from './types.js';

export function watch(paths: string | string[], options: WatchOptions = {}): AsyncIterableIterator<ChangeBatch> {
  // Validate eagerly, so bad input throws at the call site rather than at the first next().
  const resolved = resolveOptions(paths, options);
  const queue: ChangeBatch[] = [];
  let failure: WatchError | undefined;
  let wake: (() => void) | undefined;
  let sub: Subscription | undefined;
  let starting: Promise<void> | undefined;
  let done = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onAbort = () => {
    done = true;
    notify();
  };

  const finish = async (): Promise<IteratorResult<ChangeBatch>> => {
    done = true;
    resolved.signal?.removeEventListener('abort', onAbort);
    await starting?.catch(() => {});
    await sub?.close();
    return { done: true, value: undefined };
  };

  const iterator: AsyncIterableIterator<ChangeBatch> = {
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async next() {
      if (done || resolved.signal?.aborted) return finish();
      if (!starting) {
        resolved.signal?.addEventListener('abort', onAbort, { once: true });
        starting = start(
          resolved,
          (batch) => {
            queue.push(batch);
            notify();
          },
          (e) => {
            failure ??= e;
            notify();
          },
        ).then((s) => {
          sub = s;
          if (done) return s.close();
        });
        await starting;
      }
      for (;;) {
        if (failure) {
          const e = failure;
          await finish();
          throw e;
        }
        if (done || resolved.signal?.aborted) return finish();
        if (queue.length) {
          const batch = mergeBatches(queue.splice(0));
          if (batch.length || batch.rescan) return { done: false, value: batch };
          continue;
        }
        const timedOut = await waitForWake(resolved.timeout);
        if (timedOut && resolved.yieldOnTimeout && !queue.length && !done && !failure) {
          return { done: false, value: makeBatch([]) };
        }
      }
    },
    async return() {
      return finish();
    },
    async throw(e?: unknown) {
      await finish();
      throw e;
    },
  };

  function waitForWake(timeout: number | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      wake = () => {
        if (timer) clearTimeout(timer);
        resolve(false);
      };
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          wake = undefined;
          resolve(true);
        }, timeout);
      }
    });
  }

  return iterator;
}
