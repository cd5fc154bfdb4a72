/**
 * The reloader's events, on a tiny typed emitter. Node's EventEmitter drops listeners' return values, and
 * `fileChanged` handlers answer with one ("handled, don't reload"), so listeners here are awaited in
 * order and their results collected.
 */
import type { Change, ChangeBatch } from '../watch/types.js';
import type { BaseReloader } from './base.js';

export interface ReloaderEvents {
  /** run() is starting: add watches here (plugins, frameworks). May be async; awaited before the first tick. */
  autoreloadStarted: (reloader: BaseReloader) => void | Promise<void>;
  /** A watched file changed. Return true (or a promise of true) when you handled it and no reload is needed. */
  fileChanged: (path: string, change: Change) => boolean | void | Promise<boolean | void>;
  /** The changes that no `fileChanged` handler took, in one batch; `rescan` is true when events were lost. */
  reload: (changes: ChangeBatch) => void | Promise<void>;
  /** A listener threw, or the watcher reported a problem it recovered from. Without a listener: one stderr line. */
  error: (error: Error) => void;
}

export type ReloaderEvent = keyof ReloaderEvents;

const EVENTS: readonly ReloaderEvent[] = ['autoreloadStarted', 'fileChanged', 'reload', 'error'];

export class ReloaderEmitter {
  private readonly listeners = new Map<ReloaderEvent, Array<(...args: never[]) => unknown>>();

  on<E extends ReloaderEvent>(event: E, listener: ReloaderEvents[E]): this {
    checkEvent(event);
    if (typeof listener !== 'function') throw new TypeError(`listener for "${event}" must be a function`);
    const list = this.listeners.get(event) ?? [];
    list.push(listener as (...args: never[]) => unknown);
    this.listeners.set(event, list);
    return this;
  }

  off<E extends ReloaderEvent>(event: E, listener: ReloaderEvents[E]): this {
    checkEvent(event);
    const list = this.listeners.get(event);
    const i = list?.indexOf(listener as (...args: never[]) => unknown) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    return this;
  }

  listenerCount(event: ReloaderEvent): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /**
   * Calls each listener in registration order, awaiting it, and returns what each returned. A listener that
   * throws is reported on `error` and counts as returning undefined, so one bad plugin never stops the loop.
   */
  protected async emitInOrder<E extends Exclude<ReloaderEvent, 'error'>>(
    event: E,
    ...args: Parameters<ReloaderEvents[E]>
  ): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        results.push(await (listener as (...a: unknown[]) => unknown)(...args));
      } catch (error) {
        this.emitError(new Error(`a "${event}" listener threw: ${(error as Error)?.stack ?? String(error)}`));
        results.push(undefined);
      }
    }
    return results;
  }

  protected emitError(error: Error): void {
    const list = this.listeners.get('error');
    if (!list?.length) {
      process.stderr.write(`watchfiles-node: reloader: ${error.message}\n`);
      return;
    }
    for (const listener of [...list]) {
      try {
        (listener as (e: Error) => void)(error);
      } catch (inner) {
        process.stderr.write(`watchfiles-node: reloader "error" listener threw: ${String(inner)}\n`);
      }
    }
  }
}

function checkEvent(event: string): void {
  if (!EVENTS.includes(event as ReloaderEvent)) {
    throw new TypeError(`unknown reloader event "${event}"; expected one of ${EVENTS.join(', ')}`);
  }
}
