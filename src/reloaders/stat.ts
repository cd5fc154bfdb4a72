/**
 * StatReloader: the portable default. Every `interval` ms it stats every watched file (globs expanded
 * again, so new files are seen) and compares mtime at nanosecond precision and size. Pure JS, no native
 * binary; its cost grows with the number of files, which is why WatchfilesReloader is preferred.
 * Unlike Django's, it reports deletions, and files created under a watched glob.
 *
 * It takes the watcher options every reloader passes on (see ReloaderWatchOptions) and keeps their
 * promises: the changes of several passes are batched by `step`/`debounce` and held during a VCS operation
 * (`vcsSettle`) as the native core does; `followSymlinks: false` drops changes reached through a symlinked
 * directory; `pollDelay` is the interval when `interval` is not given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isUnder } from '../watch/filters.js';
import { makeBatch } from '../watch/batch.js';
import { BatchClock } from '../watch/fallback/batch-clock.js';
import { VcsProbe } from '../watch/fallback/vcs.js';
import { RELOADER_OPTIONS, rejectUnsupported } from '../watch/option-table.js';
import { isResolved, resolveOptions, type ResolvedOptions } from '../watch/options.js';
import { Change, type ChangeBatch, type FileChange } from '../watch/types.js';
import { BaseReloader, positiveMs, sleep } from './base.js';
import type { ReloaderWatchOptions } from './watchfiles.js';
import { globMatches } from './watch-list.js';

export interface StatReloaderOptions extends ReloaderWatchOptions {
  /** Time between two stat passes, in ms. Default: `pollDelay` when given, else 1000 (Django's). */
  interval?: number;
}

interface Stamp {
  mtimeNs: bigint;
  size: bigint;
}

export class StatReloader extends BaseReloader {
  readonly name = 'stat';
  readonly interval: number;
  /** The watcher options, validated once (or handed over already resolved by the runner). */
  private readonly settings: ResolvedOptions;
  private clock: BatchClock;
  private nextPass = 0;
  private snapshot: Map<string, Stamp> | undefined;
  // Watches registered before this seq existed at the last pass: a file new under them was added; a file
  // of a newer watch is only its baseline.
  private seenSeq = 0;

  constructor(options: StatReloaderOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError('StatReloader: options must be an object');
    if (isResolved(options)) {
      // From the runner: validated already; its pollDelay is the interval.
      this.settings = options;
      this.interval = options.pollDelay;
    } else {
      const watch: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(options)) {
        if (key === 'interval') continue;
        if (!RELOADER_OPTIONS.has(key)) throw new TypeError(`StatReloader: unknown option "${key}"`);
        watch[key] = value;
      }
      this.settings = resolveOptions(process.cwd(), watch);
      const interval = options.interval ?? (options.pollDelay === undefined ? undefined : this.settings.pollDelay);
      this.interval = positiveMs('StatReloader', 'interval', interval, 1000);
    }
    rejectUnsupported(this.settings as unknown as Record<string, unknown>, 'stat');
    this.clock = this.newClock();
  }

  /** What watches: always 'stat'. */
  get backend(): string {
    return 'stat';
  }

  protected async step(signal: AbortSignal): Promise<ChangeBatch> {
    // The first pass only records the baseline, at once; later ones come every `interval`, and what they
    // find is given out once its batch is due.
    if (!this.snapshot) {
      this.clock = this.newClock();
      this.nextPass = Date.now() + this.interval;
      return this.pass();
    }
    for (;;) {
      const now = Date.now();
      const due = this.clock.wait(now);
      await sleep(Math.max(0, Math.min(this.nextPass - now, due ?? Infinity)), signal);
      if (signal.aborted) return makeBatch([]);
      if (Date.now() >= this.nextPass) {
        this.clock.add(this.pass(), Date.now());
        this.nextPass = Date.now() + this.interval;
      }
      const batch = this.clock.take(Date.now());
      if (batch) return batch;
      if (this.clock.empty) return makeBatch([]);
    }
  }

  protected async release(): Promise<void> {
    // Nothing to close. Like a watcher, a stopped reloader sees nothing: a later run() starts from a new baseline.
    this.snapshot = undefined;
    this.clock = this.newClock();
  }

  private newClock(): BatchClock {
    const s = this.settings;
    return new BatchClock({
      step: s.step,
      debounce: s.debounce,
      // Looked up at each baseline pass: the watches are registered after the constructor.
      vcs: s.vcsSettle ? VcsProbe.forRoots(this.watchDirs()) : undefined,
      vcsSettleTimeout: s.vcsSettleTimeout,
    });
  }

  /** The directories watched (for the VCS probe): those of globs, and those holding single files. */
  private watchDirs(): string[] {
    const dirs = new Set<string>();
    for (const g of this.watches.globs.values()) dirs.add(g.dir);
    for (const file of [...this.watches.files.keys(), ...this.watches.errorFiles.keys()]) dirs.add(path.dirname(file));
    return [...dirs];
  }

  private pass(): ChangeBatch {
    const before = this.snapshot;
    const version = this.watches.version;
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
    this.placed(version);
    return makeBatch(this.settings.followSymlinks ? changes : changes.filter((c) => !this.throughSymlink(c.path)));
  }

  /**
   * With followSymlinks false: true when every glob that watches `file` reaches it through a symlinked
   * directory (a file watched by name is always kept). Only changed files are checked, so a pass costs
   * no more than before.
   */
  private throughSymlink(file: string): boolean {
    if (this.watches.files.has(file) || this.watches.errorFiles.has(file)) return false;
    let watched = false;
    for (const g of this.watches.globs.values()) {
      if (!globMatches(g, file)) continue;
      watched = true;
      let crosses = false;
      for (let dir = path.dirname(file); dir !== g.dir && isUnder(g.dir, dir); dir = path.dirname(dir)) {
        if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
          crosses = true;
          break;
        }
      }
      if (!crosses) return false;
    }
    return watched;
  }
}
