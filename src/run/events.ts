/**
 * What the process runner reports while it works. runProcess passes each event to `onEvent`; the CLI and
 * the register hook turn them into one-line messages (format-event.ts). Tests read them to know what
 * happened without parsing text.
 */
import type { ChangeBatch, FileChange } from '../watch/types.js';
import type { StopResult } from './process-group.js';

export type RunEvent =
  /** Watches are placed; `backend` is Subscription.backend ('inotify', 'js-poll', ...). */
  | { type: 'watching'; paths: string[]; backend: string; pollReason: string; label: string; socket?: string; livereload?: string }
  /**
   * A child was started (pid undefined when spawning failed; a 'spawn-error' follows). `warm`: it is the
   * warm spare, started ahead of time and released now (see RunProcessOptions.warmSpare).
   */
  | { type: 'start'; pid: number | undefined; changes: FileChange[]; restarts: number; label: string; warm: boolean }
  /** A warm spare (the next child, booted ahead of time) is waiting to be released by the next restart. */
  | { type: 'spare'; pid: number }
  /** A restart begins: `changes` caused it, or `reason` is 'manual' (`rs`, handle.restart()). */
  | { type: 'restart'; reason: 'change' | 'manual'; changes: ChangeBatch }
  /**
   * Changes that restart nothing: 'grace-period', they came within gracePeriod of a start; 'unchanged',
   * the file was rewritten with the bytes it had (see content-memo.ts).
   */
  | { type: 'ignored'; changes: ChangeBatch; reason: 'grace-period' | 'unchanged' }
  /**
   * A restart loop was found: these files changed right after each of the last starts, so the program
   * seems to write them itself. Their changes no longer restart it; `hint` says how to ignore them.
   */
  | { type: 'loop'; files: string[]; hint: string }
  /** Static assets changed (livereload): sent to `clients` browsers to swap or reload; the child keeps running. */
  | { type: 'assets'; changes: FileChange[]; clients: number }
  /** The stop signal was sent to the child's group. */
  | { type: 'stopping'; pid: number; signal: NodeJS.Signals }
  /** The child's group is gone ('signal': stopped on the stop signal; 'killed': needed SIGKILL; 'stuck': survived it). */
  | { type: 'stopped'; pid: number; outcome: StopResult['outcome']; ms: number; signal: NodeJS.Signals; sigintTimeout: number }
  /** The child exited on its own (crash or done); the runner waits for the next change. */
  | { type: 'exit'; pid: number; code: number | null; signal: NodeJS.Signals | null }
  /** The child could not be started (command not found, not executable, bad cwd). */
  | { type: 'spawn-error'; error: Error; label: string }
  /** A watcher error or an exception from `callback`; the runner keeps going. */
  | { type: 'error'; error: Error }
  /** The runner stopped: `reason` is the signal it received, 'abort' (options.signal) or 'stop' (handle.stop()). */
  | { type: 'end'; reason: string; restarts: number };

export type RunEventHandler = (event: RunEvent) => void;
