/**
 * A warm spare: the next Node child, started while the current one runs and held (spare-hold.ts) after
 * Node has booted but before it reads any user code. A restart then only has to release it: the ~70 ms
 * Node spends starting up (more on a loaded machine) is off the restart's path. The old child's group is
 * still stopped first; the spare has not opened a port or a file of the program yet, so they never clash.
 *
 * Only for a Node child (a `node ...` command, a function target, the register hook's child), and not
 * when a Node flag would claim something at boot that the running child holds or that a change could
 * make stale (--inspect's port, --env-file's values).
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { forgetGroup, signalGroup } from './process-group.js';

/** Set to 0 to turn the warm spare off where there is no option for it (the register hook). */
export const WARM_SPARE_ENV = 'WATCHFILES_WARM_SPARE';

/** The variable that tells spare-hold.ts which descriptor to read its release from. */
export const SPARE_FD_ENV = 'WATCHFILES_SPARE_FD';

// Flags whose effect at boot a spare must not have: a second inspector on the same port; values read from
// an env file before the change that the restart is for.
const BOOT_TIME_FLAGS = /^--(inspect|debug|env-file|watch|test)/;
const NODE_NAMES = new Set(['node', 'nodejs', 'node.exe']);

export interface WarmSpareOptions {
  /** dist/spare-hold.cjs. */
  holdFile: string;
  /** The environment every child gets (WATCHFILES_CHANGES is added at release). */
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
  /** Starts a child with this environment and stdio, as the runner would. */
  start: (env: NodeJS.ProcessEnv, stdio: StdioOptions) => ChildProcess;
  /** ms the current child runs before its spare starts, so the spare does not slow the child's own start. */
  delayMs?: number;
  /** A spare has booted and is waiting (for the runner's 'spare' event). */
  onReady?: (pid: number) => void;
}

const DEFAULT_DELAY_MS = 100;

/** Children that began as a warm spare, for the runner's 'start' event. */
const released = new WeakSet<ChildProcess>();

/** True when `child` was started ahead of time as a warm spare and released for a restart. */
export function wasWarmSpare(child: ChildProcess): boolean {
  return released.has(child);
}

export class WarmSpare {
  private spare: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly holdFd: number;
  private readonly heldEnv: NodeJS.ProcessEnv;
  private readonly heldStdio: StdioOptions;

  constructor(private readonly o: WarmSpareOptions) {
    const stdio = normalizeStdio(o.stdio);
    this.holdFd = stdio.length;
    this.heldStdio = [...stdio, 'pipe'] as StdioOptions;
    const own = `--require ${quoteNodeOption(o.holdFile)}`;
    this.heldEnv = {
      ...o.env,
      NODE_OPTIONS: o.env.NODE_OPTIONS ? `${own} ${o.env.NODE_OPTIONS}` : own,
      [SPARE_FD_ENV]: String(this.holdFd),
    };
  }

  /**
   * The spare, released with `env` on top of its environment, or undefined when none is ready (not started
   * yet, or it died): then the caller starts a child the usual way.
   */
  take(env: Record<string, string>): ChildProcess | undefined {
    this.cancelTimer();
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    if (!isRunning(spare)) {
      this.discard(spare);
      return undefined;
    }
    const release = { env: { ...env, NODE_OPTIONS: this.o.env.NODE_OPTIONS ?? null } };
    (spare.stdio[this.holdFd] as Duplex).end(`${JSON.stringify(release)}\n`);
    released.add(spare);
    return spare;
  }

  /** Prepares the next spare once `child` (the one now running) has run for delayMs. */
  after(child: ChildProcess): void {
    this.cancelTimer();
    if (this.disposed || this.spare) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A child that failed at once gets no spare: a bad Node flag fails at boot, and the spare would print
      // the same error. One that finished cleanly (a script run on each change) does get one.
      if (this.disposed || this.spare || (!isRunning(child) && child.exitCode !== 0)) return;
      this.spare = this.startHeld();
    }, this.o.delayMs ?? DEFAULT_DELAY_MS);
    this.timer.unref();
  }

  /** Kills the spare, if any; no new one starts. */
  dispose(): void {
    this.disposed = true;
    this.cancelTimer();
    if (this.spare) this.discard(this.spare);
    this.spare = undefined;
  }

  private startHeld(): ChildProcess | undefined {
    let spare: ChildProcess;
    try {
      spare = this.o.start(this.heldEnv, this.heldStdio);
    } catch {
      return undefined; // the next restart starts a child the usual way and reports the error
    }
    const pipe = spare.stdio[this.holdFd] as Duplex | null;
    // EPIPE when the spare died just before its release: take() has then already handed it over, and its exit is reported.
    pipe?.on('error', () => {});
    pipe?.once('data', () => {
      if (this.spare === spare && spare.pid !== undefined) this.o.onReady?.(spare.pid);
    });
    pipe?.resume();
    spare.once('error', () => {});
    spare.once('exit', () => {
      // Died while held (killed from outside): forget it; the next restart starts a child the usual way.
      if (this.spare !== spare) return;
      this.spare = undefined;
      if (spare.pid !== undefined) forgetGroup(spare.pid);
    });
    return spare;
  }

  private discard(spare: ChildProcess): void {
    if (spare.pid === undefined) return;
    // Nothing of the program has run in it: no need to ask nicely.
    if (isRunning(spare)) signalGroup(spare.pid, 'SIGKILL');
    forgetGroup(spare.pid);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Why a warm spare cannot serve this child, or undefined when it can. `file` and `args` are what is
 * spawned; `env` the child's environment.
 */
export function spareBlocker(file: string, args: readonly string[], env: NodeJS.ProcessEnv, shell: boolean): string | undefined {
  if (process.platform === 'win32') return 'not on Windows';
  if (shell) return 'the command runs through a shell';
  if (!NODE_NAMES.has(path.basename(file)) && path.resolve(file) !== process.execPath) return 'the command is not node';
  const flags = [...args, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  const flag = flags.find((a) => BOOT_TIME_FLAGS.test(a));
  if (flag) return `${flag.split('=')[0]} acts at start-up`;
  return undefined;
}

/**
 * dist/spare-hold.cjs: beside this module once bundled into dist/, or the built one when this module runs
 * from src/run/ (tests, ts loaders). undefined when it is not built.
 */
export function spareHoldFile(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.join(here, 'spare-hold.cjs'), path.join(here, '..', '..', 'dist', 'spare-hold.cjs')].find((f) => fs.existsSync(f));
}

function normalizeStdio(stdio: StdioOptions): unknown[] {
  if (typeof stdio === 'string') return [stdio, stdio, stdio];
  const out: unknown[] = [...stdio];
  while (out.length < 3) out.push(undefined); // spawn's own default for the entry
  return out;
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** NODE_OPTIONS splits on spaces; a path with spaces (or quotes) goes in double quotes, escaped. */
export function quoteNodeOption(value: string): string {
  return /[\s"\\]/.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}
