import type { ResolvedOptions } from '../options.js';
import type { ChangeBatch, WatchError } from '../types.js';

/** What every backend gives subscribe(): a name, why it polls (if it does), and a way to stop. */
export interface BackendHandle {
  readonly backend: string;
  readonly pollReason: string;
  readonly watchCount: number;
  close(): Promise<void>;
  /** A since-token for changesSince(), where the backend has one (watchman). */
  clock?(): Promise<string>;
  /** Watches one more root (absolute; it may not exist yet), with its own recursion. Absent: not supported. */
  addRoot?(path: string, recursive: boolean): Promise<void>;
  /** Stops watching a root added at start or later. */
  removeRoot?(path: string): Promise<void>;
}

export interface BackendSinks {
  onBatch(batch: ChangeBatch): void;
  onError(error: WatchError): void;
}

export type StartBackend = (options: ResolvedOptions, sinks: BackendSinks) => Promise<BackendHandle>;
