/**
 * A changing set of roots on ONE subscription (one inotify instance, one batching thread, whatever the
 * roots): the layers above (reloaders, the chokidar facade) say which directories they want, each
 * recursive or not, and set() adds and removes roots on the running subscription. A root that does not
 * exist yet is the watcher's to look for: it is reported, with what it holds, once it appears.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WatchError, type Subscription } from './types.js';

/** Starts the subscription on its first root (an existing directory). */
export type StartRoot = (dir: string, recursive: boolean) => Promise<Subscription>;

export interface RootSetResult {
  /** Roots newly watched (or whose recursion changed): what they held until now is their baseline. */
  added: string[];
  /** Roots that cannot be watched (a file stands on the path): asked for again at the next set(). */
  refused: WatchError[];
}

export class RootSet {
  private subscription: Subscription | undefined;
  private readonly live = new Map<string, boolean>();
  private closed = false;

  constructor(private readonly start: StartRoot) {}

  /** Root -> recursive, as watched now. */
  get roots(): ReadonlyMap<string, boolean> {
    return this.live;
  }

  /** The running subscription's backend; '' before the first root. */
  get backend(): string {
    return this.subscription?.backend ?? '';
  }

  /** OS watches the subscription holds, as of its last root added or removed; 0 before the first. */
  get watchCount(): number {
    return this.subscription?.watchCount ?? 0;
  }

  get started(): boolean {
    return this.subscription !== undefined;
  }

  /**
   * Watches exactly `wanted` (root -> recursive): new roots first, then the ones not wanted any more leave
   * (so a wider root is in place before the narrower ones go and nothing in between is missed). A failure
   * other than a refused root (the subscription could not start, say) is thrown.
   */
  async set(wanted: ReadonlyMap<string, boolean>): Promise<RootSetResult> {
    const result: RootSetResult = { added: [], refused: [] };
    const order = this.subscription ? [...wanted] : existingFirst(wanted);
    for (const [dir, recursive] of order) {
      if (this.closed) return result;
      if (this.live.get(dir) === recursive) continue;
      try {
        await this.add(dir, recursive);
      } catch (error) {
        if (error instanceof WatchError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
          result.refused.push(error);
          continue;
        }
        throw error;
      }
      if (this.closed) return result;
      this.live.set(dir, recursive);
      result.added.push(dir);
    }
    for (const dir of [...this.live.keys()]) {
      if (wanted.has(dir) || this.closed) continue;
      this.live.delete(dir);
      await this.subscription?.removeRoot(dir);
    }
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    const subscription = this.subscription;
    this.subscription = undefined;
    this.live.clear();
    await subscription?.close();
  }

  private async add(dir: string, recursive: boolean): Promise<void> {
    if (this.subscription) return this.subscription.addRoot(dir, { recursive });
    // A watcher starts on a directory that exists: when `dir` does not (yet), it starts on the nearest
    // existing directory above it, which leaves once `dir` is added.
    const first = nearestDirectory(dir);
    const subscription = await this.start(first, first === dir ? recursive : false);
    // close() may have run while it started: nobody else can see it, so close it here.
    if (this.closed) return subscription.close();
    this.subscription = subscription;
    if (first !== dir) await subscription.addRoot(dir, { recursive }).finally(() => subscription.removeRoot(first));
  }
}

/** The roots that exist first: one of them starts the subscription, and the missing ones are added to it. */
function existingFirst(roots: ReadonlyMap<string, boolean>): Array<[string, boolean]> {
  return [...roots].sort(([a], [b]) => Number(isDirectory(b)) - Number(isDirectory(a)));
}

/** `dir` when it is a directory, else the nearest directory above it. */
export function nearestDirectory(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (isDirectory(d) || path.dirname(d) === d) return d;
  }
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
