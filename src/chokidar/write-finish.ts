/**
 * The `awaitWriteFinish` option: an 'add' or 'change' is held until the file's size has not changed for
 * `stabilityThreshold` ms (checked every `pollInterval` ms), so a large file written in chunks is
 * announced once, complete, with its final stats.
 */
import fs from 'node:fs';
import type { AwaitWriteFinishOptions, PathEventName } from './types.js';

/** How long a held file may stay missing before its entry is dropped without an event. */
const VANISHED_MS = 2000;

interface HeldWrite {
  event: PathEventName;
  lastChange: number;
  /** When stat() first found the file gone. */
  vanishedAt?: number | undefined;
  timer?: NodeJS.Timeout;
}

export class WriteFinish {
  private readonly held = new Map<string, HeldWrite>();

  constructor(
    private readonly options: AwaitWriteFinishOptions,
    private readonly persistent: boolean,
  ) {}

  has(key: string): boolean {
    return this.held.has(key);
  }

  /** Another event for a held path: the quiet period starts again. */
  touch(key: string): void {
    const p = this.held.get(key);
    if (p) p.lastChange = Date.now();
  }

  /** Holds `event` for `key` until `abs` is stable; `done` gets the final stats, or the error that ended the wait. */
  wait(key: string, abs: string, event: PathEventName, done: (stats?: fs.Stats, error?: Error) => void): void {
    if (this.held.has(key)) return this.touch(key);
    const entry: HeldWrite = { event, lastChange: Date.now() };
    this.held.set(key, entry);
    const poll = (prev?: fs.Stats) => {
      fs.stat(abs, (error, stats) => {
        if (this.held.get(key) !== entry) return;
        if (error?.code === 'ENOENT') {
          // Removed while being written: keep the entry, so its unlink (which follows) cancels it and
          // neither event is emitted, as in chokidar. Keep looking in case it comes back; give up
          // quietly if no unlink arrives within VANISHED_MS.
          entry.vanishedAt ??= Date.now();
          if (Date.now() - entry.vanishedAt < VANISHED_MS) this.schedule(entry, () => poll(prev));
          else this.held.delete(key);
          return;
        }
        if (error) {
          this.held.delete(key);
          done(undefined, error);
          return;
        }
        entry.vanishedAt = undefined;
        const now = Date.now();
        if (prev && stats.size !== prev.size) entry.lastChange = now;
        if (now - entry.lastChange >= this.options.stabilityThreshold) {
          this.held.delete(key);
          done(stats);
        } else {
          this.schedule(entry, () => poll(stats));
        }
      });
    };
    this.schedule(entry, () => poll());
  }

  /** Drops a held event (its file was removed) and says which one it was. */
  cancel(key: string): PathEventName | undefined {
    const p = this.held.get(key);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.held.delete(key);
    return p.event;
  }

  clear(): void {
    for (const p of this.held.values()) clearTimeout(p.timer);
    this.held.clear();
  }

  private schedule(entry: HeldWrite, fn: () => void): void {
    entry.timer = setTimeout(fn, this.options.pollInterval);
    if (!this.persistent) entry.timer.unref();
  }
}
