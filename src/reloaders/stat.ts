/**
 * StatReloader: the portable default. Every `interval` ms it stats every watched file (globs expanded
 * again, so new files are seen) and compares mtime at nanosecond precision and size. Pure JS, no native
 * binary; its cost grows with the number of files, which is why WatchfilesReloader is preferred.
 * Unlike Django's, it reports deletions, and files created under a watched glob.
 */
import fs from 'node:fs';
import { makeBatch } from '../watch/batch.js';
import { Change, type ChangeBatch, type FileChange } from '../watch/types.js';
import { BaseReloader, positiveMs, sleep } from './base.js';

export interface StatReloaderOptions {
  /** Time between two stat passes, in ms. Default 1000 (Django's). */
  interval?: number;
}

interface Stamp {
  mtimeNs: bigint;
  size: bigint;
}

export class StatReloader extends BaseReloader {
  readonly name = 'stat';
  readonly interval: number;
  private snapshot: Map<string, Stamp> | undefined;
  // Watches registered before this seq existed at the last pass: a file new under them was added; a file
  // of a newer watch is only its baseline.
  private seenSeq = 0;

  constructor(options: StatReloaderOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('StatReloader: options must be an object');
    for (const key of Object.keys(options)) {
      if (key !== 'interval') throw new TypeError(`StatReloader: unknown option "${key}"`);
    }
    this.interval = positiveMs('StatReloader', 'interval', options.interval, 1000);
  }

  /** What watches: always 'stat'. */
  get backend(): string {
    return 'stat';
  }

  protected async step(signal: AbortSignal): Promise<ChangeBatch> {
    // The first pass only records the baseline, at once; later ones wait `interval` first.
    if (this.snapshot) await sleep(this.interval, signal);
    if (signal.aborted) return makeBatch([]);
    return this.pass();
  }

  protected async release(): Promise<void> {
    // Nothing to close. Like a watcher, a stopped reloader sees nothing: a later run() starts from a new baseline.
    this.snapshot = undefined;
  }

  private pass(): ChangeBatch {
    const before = this.snapshot;
    const seenSeq = this.seenSeq;
    this.seenSeq = this.watches.nextSeq;
    const after = new Map<string, Stamp>();
    const changes: FileChange[] = [];
    for (const [file, seq] of this.watches.entries()) {
      const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
      if (!st || !st.isFile()) continue;
      const stamp = { mtimeNs: st.mtimeNs, size: st.size };
      after.set(file, stamp);
      if (!before) continue;
      const old = before.get(file);
      if (old) {
        if (old.mtimeNs !== stamp.mtimeNs || old.size !== stamp.size) changes.push({ change: Change.modified, path: file });
      } else if (seq < seenSeq) {
        changes.push({ change: Change.added, path: file });
      }
    }
    if (before) {
      for (const file of before.keys()) {
        // A file that is no longer watched (clearWatches) just leaves the snapshot; only watched ones are deleted.
        if (!after.has(file) && this.watches.isWatched(file)) changes.push({ change: Change.deleted, path: file });
      }
    }
    this.snapshot = after;
    return makeBatch(changes);
  }
}
