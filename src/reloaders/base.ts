/**
 * BaseReloader: the loop shared by every reloader (Django's design, ticket #27685). Subclasses implement
 * one `step()` (find what changed since the last step); the base turns steps into the tick() generator,
 * runs `fileChanged` handlers, emits `reload` for what nobody handled, and owns start and stop.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeBatch } from '../watch/batch.js';
import { checkMs } from '../watch/options.js';
import type { ChangeBatch } from '../watch/types.js';
import { ReloaderEmitter } from './events.js';
import { WatchList } from './watch-list.js';

export abstract class BaseReloader extends ReloaderEmitter {
  /** 'stat' or 'watchfiles'. */
  abstract readonly name: string;
  protected readonly watches = new WatchList();
  // One controller per run: stop() aborts it, so every wait in a step returns at once.
  private session = new AbortController();
  private current: Promise<void> | undefined;
  /** Callers of watchesInPlace(), each with the watch-list version it waits for. */
  private placedWaiters: { version: number; resolve: () => void }[] = [];
  /** The watch-list version the last step placed (-1: none since the start or the last stop). */
  private lastPlaced = -1;

  /** Watch the files under `dir` that match `glob` (picomatch syntax, `**` for any depth). Relative dirs resolve against the cwd. */
  watchDir(dir: string, glob = '**/*'): this {
    if (typeof dir !== 'string' || dir === '') throw new TypeError('watchDir: "dir" must be a non-empty string');
    if (typeof glob !== 'string' || glob === '') throw new TypeError('watchDir: "glob" must be a non-empty string');
    if (glob.startsWith('!')) throw new TypeError(`watchDir: "glob" cannot be negated ("${glob}"); watch what you want instead`);
    if (path.isAbsolute(glob)) {
      throw new TypeError(`watchDir: "glob" must be relative to the directory, got "${glob}"; pass the directory as "dir"`);
    }
    const abs = path.resolve(dir);
    const st = fs.statSync(abs, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) throw new Error(`watchDir: ${abs} is not a directory; use watchFile() for a single file`);
    // A missing directory is allowed: its files are picked up once it exists.
    this.watches.addGlob(abs, glob);
    this.watchesChanged();
    return this;
  }

  /** Watch one file. Relative paths resolve against the cwd. */
  watchFile(file: string): this {
    this.watches.addFile(checkFile('watchFile', file));
    this.watchesChanged();
    return this;
  }

  /**
   * Watch a file that failed to load (a syntax error at start-up), so fixing it reloads even though it
   * never made it into the module graph. Such files survive clearWatches().
   */
  watchFailedFile(file: string): this {
    this.watches.addErrorFile(checkFile('watchFailedFile', file));
    this.watchesChanged();
    return this;
  }

  /** Files registered with watchFailedFile(). */
  get errorFiles(): string[] {
    return [...this.watches.errorFiles.keys()];
  }

  /** Forget every watchDir()/watchFile() watch (a new module graph replaces the old); failed files stay. */
  clearWatches(): this {
    this.watches.clear();
    this.watchesChanged();
    return this;
  }

  /** Forget the files registered with watchFailedFile() (they loaded fine this time). */
  clearErrorFiles(): this {
    this.watches.clearErrorFiles();
    this.watchesChanged();
    return this;
  }

  /** Every watched file that exists now, sorted: explicit files, failed files, and the globs expanded on disk. */
  watchedFiles(): string[] {
    const out: string[] = [];
    for (const file of this.watches.entries().keys()) {
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) out.push(file);
    }
    return out.sort();
  }

  /** True when a change to `file` (absolute) would be reported. */
  isWatched(file: string): boolean {
    return this.watches.isWatched(path.resolve(file));
  }

  /**
   * Resolves once every watch registered before the call is in place: its baseline is taken, and a change
   * made from then on is reported by a step. A change made before that may be part of the baseline and go
   * unreported (the register hook checks such files itself, see register/late-watch-guard.ts). Resolves at
   * the step that places the watches (so only while run() or tick() steps), or at stop().
   */
  watchesInPlace(): Promise<void> {
    const version = this.watches.version;
    if (version <= this.lastPlaced) return Promise.resolve();
    return new Promise((resolve) => this.placedWaiters.push({ version, resolve }));
  }

  /** The watch-list version the last step placed: a step compares it with `watches.version` to know what is new. */
  protected get placedVersion(): number {
    return this.lastPlaced;
  }

  /** A step placed the watches as they were at `version` (or stop() gave up on them: Infinity). */
  protected placed(version: number): void {
    this.lastPlaced = Math.max(this.lastPlaced, version);
    if (!this.placedWaiters.length) return;
    const waiting = [];
    for (const w of this.placedWaiters) {
      if (w.version <= version) w.resolve();
      else waiting.push(w);
    }
    this.placedWaiters = waiting;
  }

  /** True between run() and the moment it resolves. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /**
   * One step of the loop per next(): wait for changes (StatReloader: one stat pass after `interval`;
   * WatchfilesReloader: one batch, or `timeout` without one), dispatch them to `fileChanged` and `reload`,
   * and yield the changes seen (often an empty batch). Ends when stop() is called.
   */
  tick(): AsyncGenerator<ChangeBatch, void, void> {
    return this.ticks(this.session.signal);
  }

  /**
   * Emits `autoreloadStarted`, then ticks until stop(). Rejects when a step fails for good (the watcher could
   * not start: the error says why). Only one run() at a time.
   */
  run(): Promise<void> {
    if (this.current) return Promise.reject(new Error(`the ${this.name} reloader is already running; call stop() first`));
    const signal = this.session.signal;
    const loop = (async () => {
      try {
        await this.emitInOrder('autoreloadStarted', this);
        // Nobody reads run()'s empty ticks: a step may wait for changes without a timeout, so an idle
        // reloader costs no wake-up at all (WatchfilesReloader; StatReloader must poll anyway).
        for await (const _ of this.ticks(signal, true)) {
          // each tick already dispatched its changes
        }
      } finally {
        await this.release();
        this.unplace();
      }
    })();
    this.current = loop.finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  /** Ends run() and every tick() generator, and frees the watcher. Resolves once run() has returned. */
  async stop(): Promise<void> {
    this.session.abort();
    this.session = new AbortController();
    await this.current?.catch(() => {});
    await this.release();
    this.unplace();
  }

  /** The watches are let go (stop, or run() ended): nobody waits for them, and a later run() places them anew. */
  private unplace(): void {
    this.placed(Infinity);
    this.lastPlaced = -1;
  }

  private async *ticks(signal: AbortSignal, untilChange = false): AsyncGenerator<ChangeBatch, void, void> {
    while (!signal.aborted) {
      const batch = await this.step(signal, untilChange);
      if (signal.aborted) return;
      if (batch.length || batch.rescan) await this.dispatch(batch);
      yield batch;
    }
  }

  /** Runs `fileChanged` handlers per change, then emits `reload` with the changes nobody handled. */
  protected async dispatch(batch: ChangeBatch): Promise<void> {
    const unhandled = [];
    for (const change of batch) {
      const answers = await this.emitInOrder('fileChanged', change.path, change.change);
      if (!answers.includes(true)) unhandled.push(change);
    }
    // Lost events (rescan) mean we cannot know what changed: always reload.
    if (unhandled.length || batch.rescan) await this.emitInOrder('reload', makeBatch(unhandled, batch.rescan));
  }

  /**
   * Finds the changes since the last step; must return promptly (an empty batch is fine) once `signal` aborts.
   * With `untilChange` (under run()) an empty batch is of no use to anyone: a step that waits for events may
   * wait for them without a timeout.
   */
  protected abstract step(signal: AbortSignal, untilChange: boolean): Promise<ChangeBatch>;

  /** Called after every watchDir()/watchFile()/clear...(): a step waiting `untilChange` must sync them now. */
  protected watchesChanged(): void {}

  /** Frees what the steps hold (watchers, snapshots that must not outlive a stop). Idempotent. */
  protected abstract release(): Promise<void>;
}

function checkFile(method: string, file: string): string {
  if (typeof file !== 'string' || file === '') throw new TypeError(`${method}: "path" must be a non-empty string`);
  const abs = path.resolve(file);
  if (fs.statSync(abs, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${method}: ${abs} is a directory; use watchDir(${JSON.stringify(abs)}, '**/*') to watch what is in it`);
  }
  return abs;
}

/** Resolves after `ms`, or at once when `signal` aborts. The timer is ref'd: a running reloader keeps Node alive. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Checks a duration option (1 ms to MAX_MS) and names it when it is wrong. */
export function positiveMs(owner: string, name: string, value: unknown, dflt: number): number {
  return value === undefined ? dflt : checkMs(`${owner}: option "${name}"`, value, 1);
}
