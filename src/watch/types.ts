/**
 * Public types of watchfiles-node. Kept in one file so the API surface reads top to bottom.
 */

/** What happened to a path. The numbering matches Python's watchfiles. */
export enum Change {
  added = 1,
  modified = 2,
  deleted = 3,
}

/** One net change to one path within a batch. Paths are absolute. */
export interface FileChange {
  change: Change;
  path: string;
  /** Set on an `added` entry when the OS paired it with a rename from `oldPath` (which is reported as `deleted`). */
  oldPath?: string;
  /** True when the path is (or, for `deleted`, was) a directory. */
  isDir?: boolean;
  /**
   * Only for a name that is not valid UTF-8 (possible on Linux): its real bytes, which `fs` functions take as
   * a path. `path` then renders the name lossily (U+FFFD for each bad byte) and may not exist as written; two
   * such names that render alike stay two changes, told apart by `pathBytes`.
   */
  pathBytes?: Buffer;
  /** `oldPath`'s real bytes, likewise only when it is not valid UTF-8. */
  oldPathBytes?: Buffer;
}

/**
 * A batch of changes: the net effect per path of everything that happened between two quiet moments.
 * `rescan` is true when the OS dropped events and the watcher rescanned to recover; a reloader should
 * restart unconditionally on such a batch.
 */
export interface ChangeBatch extends Array<FileChange> {
  rescan: boolean;
}

/** A JS predicate applied after the native filters; return true to keep the change. */
export type WatchFilter = (change: Change, path: string) => boolean;

export interface WatchOptions {
  /** Longest time (ms) a batch may collect events, measured from its first event. Default 1600. */
  debounce?: number;
  /** Quiet time (ms) after the last event before a batch is yielded. Default 50. */
  step?: number;
  /** Stops watching when aborted: watch() ends, subscribe() closes. */
  signal?: AbortSignal;
  /** With `yieldOnTimeout`, yield an empty batch when nothing happened for `timeout` ms. */
  timeout?: number;
  /** See `timeout`. Default false. */
  yieldOnTimeout?: boolean;
  /** Watch directories recursively. Default true. */
  recursive?: boolean;
  /** Globs of paths to ignore, matched against the path relative to its root and against the basename (`*.log`, `dist/**`, `**\/tmp`). */
  ignore?: string[];
  /** Also ignore what the roots' .gitignore files (and .ignore, .git/info/exclude) ignore. Default false. */
  gitignore?: boolean;
  /**
   * A predicate run in JS after the native filters, or a `DefaultFilter` (applied natively, replacing the
   * default ignore lists), or `null` to drop the default ignores. Default: `new DefaultFilter()`.
   */
  filter?: WatchFilter | import('./filters.js').DefaultFilter | null;
  /** Poll instead of using OS events, everywhere. Default: env WATCHFILES_FORCE_POLLING, else false. */
  forcePolling?: boolean;
  /** Poll interval (ms) when polling. Default: env WATCHFILES_POLL_DELAY_MS, else 300. */
  pollDelay?: number;
  /** Skip directories we may not read instead of failing. Default false. */
  ignorePermissionDenied?: boolean;
  /** Keep the Node process alive while watching. Default true. */
  persistent?: boolean;
  /** Hold batches while a git/hg operation is under way and yield once it is over. Default true. */
  vcsSettle?: boolean;
  /** Ceiling (ms) for `vcsSettle`, so a stale lock never freezes the watcher. Default 10000. */
  vcsSettleTimeout?: number;
  /** What to do when the inotify watch limit does not fit the tree: fail with EMAXWATCH, or poll the rest. Default 'error'. */
  onLimit?: 'error' | 'poll';
  /** Follow symlinked directories inside the tree (each real directory is watched once). Default true. */
  followSymlinks?: boolean;
  /**
   * What watches: 'native' (the Rust core: inotify, FSEvents, ReadDirectoryChangesW, kqueue, polling where
   * needed; the JS poller when no binary loads) or 'watchman' (a running watchman server, shared by every
   * tool that uses it; this process holds no OS watch). Default 'native'.
   */
  backend?: 'native' | 'watchman';
  /**
   * Called with errors that happen while watching (an unreadable directory created in the tree, a path too
   * long to watch). The watcher goes on, and so does a watch() loop. Default: print to stderr.
   */
  onError?: (error: WatchError) => void;
}

/** Error codes a watcher reports. */
export type WatchErrorCode =
  | 'ENOENT'
  | 'ENOTDIR'
  | 'EACCES'
  | 'ELOOP'
  | 'EMAXWATCH'
  | 'EINVAL'
  | 'ENAMETOOLONG'
  | 'EIO'
  | 'ECLOSED'
  | 'EWATCHMAN';

/** An error from the watcher, with a stable `code` and the `path` it concerns when there is one. */
export class WatchError extends Error {
  readonly code: WatchErrorCode;
  readonly path?: string;
  constructor(code: WatchErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'WatchError';
    this.code = code;
    if (path !== undefined) this.path = path;
  }
}

/** Options of Subscription.addRoot(). */
export interface AddRootOptions {
  /** Watch what lies below the root's own entries too. Default: the subscription's `recursive` option. */
  recursive?: boolean;
}

/** A running watcher started by subscribe(). */
export interface Subscription {
  /** Which mechanism watches: 'inotify', 'fsevents', 'windows', 'kqueue', 'poll', 'js-poll', 'watchman', or e.g. 'inotify+poll'. */
  readonly backend: string;
  /** Why polling is used where it is (empty when it is not). Like `backend`, it follows addRoot()/removeRoot(). */
  readonly pollReason: string;
  /** OS watches placed (0 when polling): ignored directories cost none. As of the start, or of the last addRoot()/removeRoot(). */
  readonly watchCount: number;
  /**
   * A token for "now", for changesSince() later (after a restart, say). With watchman, the server's clock
   * (synced, so every change before the call is older than it); other backends have no clock and reject
   * with EINVAL: use writeSnapshot() there.
   */
  clock(): Promise<string>;
  /**
   * Watches one more path from now on, on the same watcher (one inotify instance and one batching thread
   * whatever the roots): a directory, a file, or a path that does not exist yet (reported, with what it
   * holds, once it appears; a root that exists is taken as it is now, without events). Relative paths
   * resolve against the cwd. `recursive` is this root's own; default: the subscription's `recursive`.
   * Adding a root already watched only sets its recursion. Resolves once its watches are placed; rejects
   * with a WatchError (code and path) when it cannot be watched, and with EINVAL on a closed subscription
   * or a backend that cannot add roots while running (watchman: start another subscription there).
   */
  addRoot(path: string, options?: AddRootOptions): Promise<void>;
  /**
   * Stops watching a root given at start or to addRoot(). What only it held is let go without events
   * (nothing changed on disk); what another root holds is still reported. A path not watched: nothing.
   */
  removeRoot(path: string): Promise<void>;
  /** Stop watching; resolves once the native threads are joined. Idempotent. */
  close(): Promise<void>;
}
