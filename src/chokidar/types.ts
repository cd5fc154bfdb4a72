/**
 * The public types of the chokidar-compatible facade, shaped like chokidar 4/5's own declarations so
 * code written against `chokidar` type-checks unchanged.
 */
import type { Stats } from 'node:fs';

/** Events an FSWatcher emits for paths ('all' repeats each of them with the event name first). */
export type EventName = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir' | 'ready' | 'raw' | 'error' | 'all';

/** The five events that describe a path. */
export type PathEventName = 'add' | 'addDir' | 'change' | 'unlink' | 'unlinkDir';

/** Called with the path as chokidar would report it and, when known, its stats; true ignores the path. */
export type MatchFunction = (path: string, stats?: Stats) => boolean;

/** chokidar 4's object matcher: a path, and with `recursive` everything below it. */
export interface MatcherObject {
  path: string;
  recursive?: boolean;
}

/** A path or glob (chokidar 3), a RegExp, a predicate, or a MatcherObject. */
export type Matcher = string | RegExp | MatchFunction | MatcherObject;

export interface AwaitWriteFinishOptions {
  /** How long (ms) the size must stay the same before the event is emitted. Default 2000. */
  stabilityThreshold: number;
  /** How often (ms) the size is checked. Default 100. */
  pollInterval: number;
}

export interface ChokidarOptions {
  persistent?: boolean;
  ignored?: Matcher | Matcher[];
  ignoreInitial?: boolean;
  followSymlinks?: boolean;
  cwd?: string;
  depth?: number;
  awaitWriteFinish?: boolean | Partial<AwaitWriteFinishOptions>;
  atomic?: boolean | number;
  usePolling?: boolean;
  interval?: number;
  binaryInterval?: number;
  alwaysStat?: boolean;
  ignorePermissionErrors?: boolean;
  /** chokidar 3: treat paths as literal names, never as globs. */
  disableGlobbing?: boolean;
  /** chokidar 3, macOS only: accepted and ignored. */
  useFsEvents?: boolean;
}

/** Options after defaults, environment overrides and validation. */
export interface ResolvedChokidarOptions {
  persistent: boolean;
  ignored: Matcher[];
  ignoreInitial: boolean;
  followSymlinks: boolean;
  cwd?: string;
  depth?: number;
  awaitWriteFinish: false | AwaitWriteFinishOptions;
  atomic: false | number;
  usePolling: boolean;
  interval: number;
  binaryInterval: number;
  alwaysStat: boolean;
  ignorePermissionErrors: boolean;
  disableGlobbing: boolean;
}

/** Details passed with a 'raw' event: what the watcher core reported for one path. */
export interface RawDetails {
  /** The watched directory the path lives in, as chokidar would report it. */
  watchedPath: string;
  /** Absolute path from the core. */
  path: string;
  /** 'added' | 'modified' | 'deleted'. */
  change: 'added' | 'modified' | 'deleted';
  isDir: boolean;
  oldPath?: string;
  /** True when the batch was a rescan after the OS dropped events. */
  rescan: boolean;
}
