/**
 * The native backend: hands the resolved options to the Rust core (crates/node) and turns what it pushes
 * back (one call per batch) into ChangeBatch objects and WatchErrors.
 */
import { makeBatch } from '../batch.js';
import type { NativeBinding, NativeErrorInfo, NativeEvent, NativeOptions, NativeWatcherHandle } from '../addon.js';
import type { ResolvedOptions } from '../options.js';
import { WatchError, type FileChange, type WatchErrorCode } from '../types.js';
import { withLiveInfo, type BackendHandle, type BackendSinks, type WatcherInfo } from './types.js';

export async function startNative(
  binding: NativeBinding,
  options: ResolvedOptions,
  sinks: BackendSinks,
): Promise<BackendHandle> {
  // Called from the native thread through a threadsafe function: an exception escaping here would be
  // fatal to the process, so nothing may.
  const onEvent = (err: Error | null, event: NativeEvent) => {
    try {
      deliver(err, event);
    } catch (e) {
      process.stderr.write(`watchfiles-node: internal error delivering a batch: ${(e as Error)?.stack ?? String(e)}\n`);
    }
  };
  const deliver = (err: Error | null, event: NativeEvent) => {
    if (err) return sinks.onError(toWatchError(err));
    if (event.error) return sinks.onError(fromInfo(event.error));
    const changes: FileChange[] = event.changes.map((c) => {
      const fc: FileChange = { change: c.change, path: c.path, isDir: c.isDir };
      if (c.oldPath) fc.oldPath = c.oldPath;
      if (c.pathBytes) fc.pathBytes = c.pathBytes;
      if (c.oldPathBytes) fc.oldPathBytes = c.oldPathBytes;
      return fc;
    });
    sinks.onBatch(makeBatch(changes, event.rescan));
  };
  let watcher: NativeWatcherHandle;
  try {
    watcher = await binding.NativeWatcher.start(options.roots, nativeOptions(options), onEvent);
  } catch (error) {
    throw toWatchError(error);
  }
  const rethrow = (error: unknown) => {
    throw toWatchError(error);
  };
  const control: Omit<BackendHandle, keyof WatcherInfo> = {
    close: () => watcher.close(),
    // The same watcher (one inotify instance, one batching thread) takes the root on.
    addRoot: (path, recursive) => watcher.addRoot(path, { recursive }).catch(rethrow),
    removeRoot: (path) => watcher.removeRoot(path).catch(rethrow),
  };
  return withLiveInfo(control, watcher);
}

export function nativeOptions(o: ResolvedOptions): NativeOptions {
  return {
    debounceMs: o.debounce,
    stepMs: o.step,
    recursive: o.recursive,
    ignore: o.ignore,
    ignoreDirs: o.ignoreDirs,
    ignoreEntries: o.ignoreEntries,
    ignorePaths: o.ignorePaths,
    gitignore: o.gitignore,
    forcePolling: o.forcePolling,
    pollDelayMs: o.pollDelay,
    ignorePermissionDenied: o.ignorePermissionDenied,
    vcsSettle: o.vcsSettle,
    vcsSettleTimeoutMs: o.vcsSettleTimeout,
    onLimit: o.onLimit,
    followSymlinks: o.followSymlinks,
  };
}

/**
 * A start error from the binding carries the same fields as a runtime one (`code`, `message`, `path`);
 * anything else (a napi failure without our code) becomes EIO with its message.
 */
export function toWatchError(error: unknown): WatchError {
  if (error instanceof WatchError) return error;
  const e = error as Partial<NativeErrorInfo> | undefined;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.message === 'string') {
    return fromInfo(e as NativeErrorInfo);
  }
  return new WatchError('EIO', String((error as Error)?.message ?? error));
}

function fromInfo(info: NativeErrorInfo): WatchError {
  return new WatchError(info.code as WatchErrorCode, info.message, info.path ?? undefined);
}
