/**
 * Which directories the watcher core must watch, and the subscriptions that do it. Every add(),
 * unwatch() and newly followed symlink re-plans: a target already inside a recursive watch costs
 * nothing more, a subscription no target needs any longer is closed. Each subscription is one OS
 * watcher instance, so paths added together share one.
 */
import fs from 'node:fs';
import type { Subscription } from '../watch/types.js';
import { isUnder } from '../watch/filters.js';

export interface WatchTarget {
  /** An existing directory. */
  path: string;
  /** Watch below it too (false: only its own entries, for watched files and depth 0). */
  recursive: boolean;
}

export type StartSubscription = (roots: string[], recursive: boolean) => Promise<Subscription>;

interface Live {
  roots: string[];
  recursive: boolean;
  handle: Subscription;
}

export class SubscriptionSet {
  private live: Live[] = [];
  private closed = false;

  constructor(
    private readonly start: StartSubscription,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Opens what `targets` need and closes what none of them needs. Returns the targets that got a new
   * watch: what changed there before the watch was in place was not reported, so the caller re-checks.
   */
  async plan(targets: readonly WatchTarget[]): Promise<WatchTarget[]> {
    const wanted = targets.filter((t) => isDirectory(t.path));
    const keep: Live[] = [];
    const drop: Live[] = [];
    for (const s of this.live) (wanted.some((t) => covers(s, t)) ? keep : drop).push(s);
    this.live = keep;
    await Promise.all(drop.map((s) => s.handle.close().catch(() => {})));

    const missing = minimal(wanted.filter((t) => !keep.some((s) => covers(s, t))));
    for (const recursive of [true, false]) {
      const roots = missing.filter((t) => t.recursive === recursive).map((t) => t.path);
      if (roots.length) await this.open(roots, recursive);
    }
    return missing;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = this.live;
    this.live = [];
    await Promise.all(all.map((s) => s.handle.close().catch(() => {})));
  }

  private async open(roots: string[], recursive: boolean): Promise<void> {
    try {
      const handle = await this.start(roots, recursive);
      // close() may have run while the watch was being placed.
      if (this.closed) await handle.close();
      else this.live.push({ roots, recursive, handle });
    } catch (error) {
      // One root that vanished meanwhile must not cost the others their watch.
      if (roots.length > 1) {
        for (const r of roots) await this.open([r], recursive);
      } else {
        this.onError(error as Error);
      }
    }
  }
}

function covers(s: { roots: string[]; recursive: boolean }, t: WatchTarget): boolean {
  if (s.recursive) return s.roots.some((r) => isUnder(r, t.path));
  return !t.recursive && s.roots.includes(t.path);
}

/** Drops targets that another target in the list already covers. */
function minimal(targets: WatchTarget[]): WatchTarget[] {
  const out: WatchTarget[] = [];
  const sorted = [...targets].sort((a, b) => Number(b.recursive) - Number(a.recursive) || a.path.length - b.path.length);
  for (const t of sorted) {
    if (!out.some((o) => covers({ roots: [o.path], recursive: o.recursive }, t))) out.push(t);
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
