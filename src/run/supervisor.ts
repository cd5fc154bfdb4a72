/**
 * The restart state machine shared by runProcess and the register hook: one child at a time; a change
 * stops the old child's whole group before the new child starts; a child that exits on its own is
 * reported and left down until the next change; restarts never overlap, and changes that arrive while a
 * restart is under way join it instead of causing another one.
 */
import type { ChildProcess } from 'node:child_process';
import { makeBatch, mergeBatches } from '../watch/batch.js';
import { Change, type ChangeBatch, type FileChange } from '../watch/types.js';
import type { RunEventHandler } from './events.js';
import { BurstGate } from './burst-gate.js';
import { ContentMemo } from './content-memo.js';
import { LoopGuard } from './loop-guard.js';
import { signalGroup, stopGroup, type StopTimeouts } from './process-group.js';
import { wasWarmSpare } from './warm-spare.js';

export interface SupervisorOptions extends StopTimeouts {
  /** Starts a child; `changes` is what caused this start ([] at first). */
  spawn: (changes: FileChange[]) => ChildProcess;
  /** Human form of what runs, for messages. */
  label: string;
  /** ms after each start during which changes are ignored. */
  gracePeriod: number;
  /** Called with the changes before each change-triggered restart; awaited; errors are reported, not thrown. */
  callback?: (changes: ChangeBatch) => unknown;
  emit: RunEventHandler;
  /** How to stop a file the program writes from restarting it (the ignore to add), for the 'loop' event. */
  loopHint?: (files: string[]) => string;
  /** Static assets: their changes go to `onAssets` (the browser) and never restart the child. */
  isAsset?: (file: string) => boolean;
  onAssets?: (changes: FileChange[]) => void;
}

export class Supervisor {
  private child: ChildProcess | undefined;
  private readonly expectedExit = new WeakSet<ChildProcess>();
  private pending: ChangeBatch[] = [];
  private manual = false;
  private working: Promise<void> | undefined;
  private stopping = false;
  private lastStart = 0;
  private count = 0;
  private readonly burst = new BurstGate(() => this.kick());
  private readonly memo = new ContentMemo();
  private readonly loops = new LoopGuard();
  /** Files of the pending changes that were only appended to (for the loop guard). */
  private appended = new Set<string>();

  constructor(private readonly options: SupervisorOptions) {}

  /** Restarts so far (change-triggered and manual). */
  get restarts(): number {
    return this.count;
  }

  /** The running child's pid (also its process group id), if one runs. */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  start(): void {
    this.startChild([]);
  }

  /** Files the child is known to use (loaded modules): their content is remembered, so a rewrite with the same bytes restarts nothing. */
  remember(files: readonly string[], loadedSince?: number): void {
    this.memo.remember(files, loadedSince);
  }

  /** A batch from the watcher. */
  changed(incoming: ChangeBatch): void {
    if (this.stopping) return;
    if (incoming.length === 0 && !incoming.rescan) return;
    const { changed, same, appended } = this.memo.sift(incoming);
    for (const file of appended) this.appended.add(file);
    if (same.length) this.options.emit({ type: 'ignored', changes: makeBatch(same), reason: 'unchanged' });
    let kept = this.loops.strip(changed);
    const isAsset = this.options.isAsset;
    if (isAsset) {
      const assets = kept.filter((c) => !c.isDir && c.change !== Change.deleted && isAsset(c.path));
      if (assets.length) {
        kept = kept.filter((c) => !assets.includes(c));
        this.options.onAssets?.(assets);
      }
    }
    const batch = makeBatch(kept, changed.rescan);
    if (batch.length === 0 && !batch.rescan) return;
    if (this.options.gracePeriod > 0 && Date.now() - this.lastStart < this.options.gracePeriod && !this.working) {
      this.options.emit({ type: 'ignored', changes: batch, reason: 'grace-period' });
      return;
    }
    this.pending.push(batch);
    // The first batch of a burst restarts now; the rest wait for the burst to end (burst-gate.ts).
    if (this.burst.admit(this.working !== undefined)) this.kick();
  }

  /** Restart now, without a change (`rs`, handle.restart()). */
  restartNow(): void {
    if (this.stopping) return;
    this.manual = true;
    this.kick();
  }

  /** Stops the child's group and all further restarts. Resolves with the number of restarts. */
  async stop(): Promise<number> {
    this.stopping = true;
    this.burst.clear();
    await this.working;
    await this.stopChild();
    return this.count;
  }

  /** Immediate SIGKILL of the child's group: for a second Ctrl-C while a graceful stop is waiting. */
  kill(): void {
    if (this.child?.pid !== undefined) signalGroup(this.child.pid, 'SIGKILL');
  }

  private kick(): void {
    if (this.working || this.stopping) return;
    this.working = this.loop().finally(() => {
      this.working = undefined;
      // Changes that arrived during the last step of the loop.
      if (!this.stopping && (this.due() || this.manual)) this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping && (this.due() || this.manual)) {
      let first = mergeBatches(this.pending.splice(0));
      const appended = first.filter((c) => this.appended.has(c.path)).map((c) => c.path);
      this.appended.clear();
      const manual = this.manual;
      this.manual = false;
      if (manual) {
        this.burst.clear(); // a manual restart takes the held changes with it
        this.loops.reset();
      } else if (first.length) {
        const paused = this.loops.observe(appended, this.pid === undefined ? undefined : Date.now() - this.lastStart);
        if (paused.length) {
          this.options.emit({ type: 'loop', files: paused, hint: this.options.loopHint?.(paused) ?? '' });
          first = makeBatch(this.loops.strip(first), first.rescan);
        }
      }
      // Changes that cancel out (a temp file created and deleted) restart nothing.
      if (!manual && first.length === 0 && !first.rescan) continue;
      const reason = first.length || first.rescan ? 'change' : 'manual';
      this.options.emit({ type: 'restart', reason, changes: first });
      if (reason === 'change' && this.options.callback) {
        try {
          await this.options.callback(first);
        } catch (error) {
          this.options.emit({ type: 'error', error: asError(error, 'callback threw') });
        }
      }
      if (this.stopping) return;
      await this.stopChild();
      if (this.stopping) return;
      // What changed while the old child was stopping is already on disk for the new one: one restart covers it.
      const all = this.pending.length ? mergeBatches([first, ...this.pending.splice(0)]) : first;
      this.count++;
      this.startChild([...all]);
    }
  }

  /** Changes are waiting and not held for the end of a burst. */
  private due(): boolean {
    return this.pending.length > 0 && !this.burst.holding;
  }

  private startChild(changes: FileChange[]): void {
    let child: ChildProcess;
    try {
      child = this.options.spawn(changes);
    } catch (error) {
      this.child = undefined;
      this.options.emit({ type: 'start', pid: undefined, changes, restarts: this.count, label: this.options.label, warm: false });
      this.options.emit({ type: 'spawn-error', error: asError(error, 'spawn failed'), label: this.options.label });
      return;
    }
    this.child = child;
    this.lastStart = Date.now();
    this.options.emit({
      type: 'start',
      pid: child.pid,
      changes,
      restarts: this.count,
      label: this.options.label,
      warm: wasWarmSpare(child),
    });
    child.once('error', (error) => {
      // 'error' without a pid means it never started (ENOENT, EACCES); later errors are kill failures.
      if (child.pid === undefined) this.options.emit({ type: 'spawn-error', error, label: this.options.label });
    });
    child.once('exit', (code, signal) => {
      if (this.expectedExit.has(child) || child.pid === undefined) return;
      this.options.emit({ type: 'exit', pid: child.pid, code, signal });
    });
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    this.expectedExit.add(child);
    const pid = child.pid;
    const running = child.exitCode === null && child.signalCode === null;
    if (running) this.options.emit({ type: 'stopping', pid, signal: this.options.stopSignal });
    const result = await stopGroup(child, this.options);
    if (this.child === child) this.child = undefined;
    if (result.outcome !== 'gone') {
      this.options.emit({
        type: 'stopped',
        pid,
        outcome: result.outcome,
        ms: result.ms,
        signal: this.options.stopSignal,
        sigintTimeout: this.options.sigintTimeout,
      });
    }
  }
}


function asError(error: unknown, what: string): Error {
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}
