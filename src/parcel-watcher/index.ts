/**
 * watchfiles-node/parcel-watcher: @parcel/watcher's API (subscribe/unsubscribe, writeSnapshot,
 * getEventsSince) on watchfiles-node's core, for tools that use @parcel/watcher (Tailwind v4's CLI,
 * jest's haste map) through an npm `overrides` entry. See docs/parcel-watcher.md.
 */
import fs from 'node:fs';
import { DefaultFilter } from '../watch/filters.js';
import { subscribe as subscribeCore } from '../watch/subscribe.js';
import type { Subscription, WatchError } from '../watch/types.js';
import { toEvents, type Event, type EventType } from './events.js';
import { resolveParcelOptions, type BackendType, type Options } from './options.js';
import { eventsSince, writeSnapshotFile } from './snapshot.js';

export type { BackendType, Event, EventType, Options };
export type SubscribeCallback = (err: Error | null, events: Event[]) => unknown;
export interface AsyncSubscription {
  unsubscribe(): Promise<void>;
}

/**
 * Batching: a batch leaves 20 ms after the last event (@parcel/watcher waits 50 ms), and at the latest
 * 500 ms after the first (as @parcel/watcher), so a save reaches the tool sooner and a long burst still
 * arrives in pieces.
 */
export const PARCEL_STEP_MS = 20;
export const PARCEL_DEBOUNCE_MS = 500;

/** Subscriptions by options key, then callback: unsubscribe(dir, fn, opts) finds what subscribe made. */
const active = new Map<string, Map<SubscribeCallback, Promise<Subscription>>>();

export async function subscribe(dir: string, fn: SubscribeCallback, opts?: Options): Promise<AsyncSubscription> {
  const o = resolveParcelOptions('subscribe', dir, opts);
  if (typeof fn !== 'function') throw new TypeError('subscribe: the callback must be a function');
  const stat = fs.statSync(o.dir, { throwIfNoEntry: false });
  if (!stat) throw Object.assign(new Error(`subscribe: ${o.dir} does not exist`), { code: 'ENOENT', path: o.dir });
  if (!stat.isDirectory()) throw Object.assign(new Error(`subscribe: ${o.dir} is not a directory`), { code: 'ENOTDIR', path: o.dir });
  let byFn = active.get(o.key);
  if (!byFn) active.set(o.key, (byFn = new Map()));
  const existing = byFn.get(fn);
  if (existing) {
    // parcel: the same directory, callback and options make one subscription.
    await existing;
    return { unsubscribe: () => unsubscribe(dir, fn, opts) };
  }
  const call = (err: Error | null, events: Event[]) => {
    try {
      const r = fn(err, events);
      if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, report);
    } catch (e) {
      report(e);
    }
  };
  const started = subscribeCore(
    o.dir,
    (batch) => {
      const events = toEvents(batch, o.isIgnored);
      if (events.length) call(null, events);
    },
    {
      step: PARCEL_STEP_MS,
      debounce: PARCEL_DEBOUNCE_MS,
      // @parcel/watcher ignores nothing by itself: only `ignore`, whose plain paths are pruned natively.
      filter: new DefaultFilter({ ignoreDirs: [], ignoreEntityPatterns: [], ignorePaths: o.ignorePaths }),
      followSymlinks: false,
      forcePolling: o.polling,
      onLimit: 'poll',
      onError: (e: WatchError) => call(e, []),
    },
  );
  byFn.set(fn, started);
  try {
    await started;
  } catch (error) {
    byFn.delete(fn);
    throw error;
  }
  return { unsubscribe: () => unsubscribe(dir, fn, opts) };
}

export async function unsubscribe(dir: string, fn: SubscribeCallback, opts?: Options): Promise<void> {
  const o = resolveParcelOptions('unsubscribe', dir, opts);
  const byFn = active.get(o.key);
  const sub = byFn?.get(fn);
  if (!byFn || !sub) return;
  byFn.delete(fn);
  if (byFn.size === 0) active.delete(o.key);
  await (await sub).close();
}

export async function writeSnapshot(dir: string, snapshot: string, opts?: Options): Promise<string> {
  const o = resolveParcelOptions('writeSnapshot', dir, opts);
  if (typeof snapshot !== 'string' || snapshot === '') throw new TypeError('writeSnapshot: the snapshot path must be a non-empty string');
  return writeSnapshotFile(o, snapshot);
}

export async function getEventsSince(dir: string, snapshot: string, opts?: Options): Promise<Event[]> {
  const o = resolveParcelOptions('getEventsSince', dir, opts);
  if (typeof snapshot !== 'string' || snapshot === '') throw new TypeError('getEventsSince: the snapshot path must be a non-empty string');
  return eventsSince(o, snapshot);
}

function report(error: unknown): void {
  // A throwing callback must not take the watcher (or the process) down; parcel would print it too.
  process.stderr.write(`watchfiles-node/parcel-watcher: the subscribe callback threw: ${(error as Error)?.stack ?? String(error)}\n`);
}

export default { subscribe, unsubscribe, writeSnapshot, getEventsSince };
