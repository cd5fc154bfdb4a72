/**
 * The `.watcher` object of a watch file system, shaped like watchpack's Watchpack instance for plugins
 * that listen to it or read from it (fork-ts-checker-webpack-plugin, webpack-dev-middleware's users):
 *   'change' (file, mtime, type)      a watched file, or a file in a watched directory, changed
 *   'remove' (file, type)             it was removed
 *   'aggregated' (changes, removals)  the quiet period ended; both are Sets of the watched items
 * plus aggregatedChanges / aggregatedRemovals, pause(), close(), getTimes(), getTimeInfoEntries() and
 * collectTimeInfoEntries(). One object lives as long as its file system: listeners survive rebuilds.
 */
import { EventEmitter } from 'node:events';
import type { TimeInfoEntries } from './time-info.js';

export interface WatchpackLikeEvents {
  change: [file: string, mtime: number, type: string];
  remove: [file: string, type: string];
  aggregated: [changes: Set<string>, removals: Set<string>];
}

export interface TimeInfoSource {
  collect(files: TimeInfoEntries, directories: TimeInfoEntries): void;
  pause(): void;
  close(): void;
}

export class WatchpackLike extends EventEmitter<WatchpackLikeEvents> {
  aggregatedChanges = new Set<string>();
  aggregatedRemovals = new Set<string>();
  paused = false;
  /** @internal Set by the watch file system to the session currently watching. */
  source?: TimeInfoSource;

  pause(): void {
    this.source?.pause();
  }

  close(): void {
    this.source?.close();
  }

  /** watchpack's deprecated getTimes(): path -> the newer of safeTime and mtime. */
  getTimes(): Record<string, number> {
    const times: Record<string, number> = Object.create(null);
    for (const [file, entry] of this.getTimeInfoEntries()) {
      if (entry && 'safeTime' in entry) times[file] = Math.max(entry.safeTime, entry.timestamp);
    }
    return times;
  }

  getTimeInfoEntries(): TimeInfoEntries {
    const map: TimeInfoEntries = new Map();
    this.collectTimeInfoEntries(map, map);
    return map;
  }

  collectTimeInfoEntries(files: TimeInfoEntries, directories: TimeInfoEntries): void {
    this.source?.collect(files, directories);
  }

  /** Hands over what was aggregated so far and starts a new period, as watchpack's getAggregated(). */
  takeAggregated(): { changes: Set<string>; removals: Set<string> } {
    const changes = this.aggregatedChanges;
    const removals = this.aggregatedRemovals;
    this.aggregatedChanges = new Set();
    this.aggregatedRemovals = new Set();
    return { changes, removals };
  }

  getAggregated(): { changes: Set<string>; removals: Set<string> } {
    return this.takeAggregated();
  }
}
