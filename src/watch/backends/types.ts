import type { ResolvedOptions } from '../options.js';
import type { ChangeBatch, WatchError } from '../types.js';

/** What a watcher says of itself: its mechanism, why it polls (if it does), and its OS watches. */
export interface WatcherInfo {
  readonly backend: string;
  readonly pollReason: string;
  readonly watchCount: number;
}

/**
 * Gives `target` the info of `source` as getters that read it each time (adding or removing a root changes
 * it); a spread would copy the values of the moment.
 */
export function withLiveInfo<T extends object>(target: T, source: WatcherInfo): T & WatcherInfo {
  return Object.defineProperties(target, {
    backend: { get: () => source.backend, enumerable: true },
    pollReason: { get: () => source.pollReason, enumerable: true },
    watchCount: { get: () => source.watchCount, enumerable: true },
  }) as T & WatcherInfo;
}

/** What every backend gives subscribe(): a name, why it polls (if it does), and a way to stop. */
export interface BackendHandle extends WatcherInfo {
  close(): Promise<void>;
  /** A since-token for changesSince(), where the backend has one (watchman). */
  clock?(): Promise<string>;
  /** Watches one more root (absolute; it may not exist yet), with its own recursion. Absent: not supported. */
  addRoot?(path: string, recursive: boolean): Promise<void>;
  /** Stops watching a root added at start or later. */
  removeRoot?(path: string): Promise<void>;
}

export interface BackendSinks {
  onBatch(batch: ChangeBatch): void;
  onError(error: WatchError): void;
}

export type StartBackend = (options: ResolvedOptions, sinks: BackendSinks) => Promise<BackendHandle>;
