/**
 * subscribe(): start a watcher and call back once per batch. The native backend is used when the addon
 * loads; otherwise the JS poller, after one line on stderr that says why and how to fix it.
 */
import path from 'node:path';
import { startJsPoll } from './backends/js-poll.js';
import { startNative } from './backends/native.js';
import { startWatchman } from './backends/watchman.js';
import { withLiveInfo, type BackendHandle } from './backends/types.js';
import { makeBatch } from './batch.js';
import { loadNative, nativeLoadError } from './addon.js';
import { resolveOptions, type ResolvedOptions } from './options.js';
import { WatchError, type AddRootOptions, type ChangeBatch, type Subscription, type WatchOptions } from './types.js';

let warnedFallback = false;

/**
 * Who keeps a subscription alive. A persistent one keeps the process alive, like a server socket, so it
 * is held here until close() or its signal: a subscription whose result was never stored goes on
 * working. One with `persistent: false` is only held by its caller: dropped without close(), it is closed
 * when garbage-collected (its threads joined, its inotify instance freed).
 */
const persistentSubscriptions = new Map<() => Promise<void>, Subscription>();
const dropped = new FinalizationRegistry<() => Promise<void>>((close) => void close());

export type BatchCallback = (changes: ChangeBatch) => void | Promise<void>;

export async function subscribe(
  paths: string | string[],
  callback: BatchCallback,
  options: WatchOptions = {},
): Promise<Subscription> {
  if (typeof callback !== 'function') throw new TypeError('callback must be a function');
  const resolved = resolveOptions(paths, options);
  const onError = resolved.onError ?? defaultOnError;
  return start(resolved, callback, onError);
}

/** Shared by subscribe() and watch(): options already resolved, errors routed by the caller. */
export async function start(
  resolved: ResolvedOptions,
  callback: BatchCallback,
  onError: (e: WatchError) => void,
): Promise<Subscription> {
  let closed = false;
  const deliver = (batch: ChangeBatch) => {
    if (closed) return;
    const kept = resolved.jsFilter ? filterBatch(batch, resolved.jsFilter, onError) : batch;
    if (kept.length === 0 && batch.length > 0) return;
    try {
      const r = callback(kept);
      if (r && typeof (r as Promise<void>).then === 'function') {
        (r as Promise<void>).then(undefined, (e) => reportCallbackError(e, onError));
      }
    } catch (e) {
      // A throwing callback must never take the process down from inside a native callback.
      reportCallbackError(e, onError);
    }
  };
  const sinks = { onBatch: deliver, onError: (e: WatchError) => !closed && safeCall(onError, e) };

  const binding = resolved.backend === 'native' ? loadNative() : undefined;
  let handle: BackendHandle;
  if (resolved.backend === 'watchman') {
    handle = await startWatchman(resolved, sinks);
  } else if (binding) {
    handle = await startNative(binding, resolved, sinks);
  } else {
    if (!warnedFallback) {
      warnedFallback = true;
      process.stderr.write(`watchfiles-node: polling with the JS fallback: ${nativeLoadError()}\n`);
    }
    handle = await startJsPoll(resolved, sinks);
  }

  // The native threadsafe function is weak and JS timers are unref'd: this handle alone keeps Node alive.
  const keepAlive = resolved.persistent ? setInterval(() => {}, 1 << 30) : undefined;
  let closing: Promise<void> | undefined;
  // The subscription object is built last and no closure here refers to it: the callbacks the native side
  // holds must not keep it from being collected.
  const token = {};
  const close = () => {
    closing ??= (async () => {
      closed = true;
      if (keepAlive) clearInterval(keepAlive);
      resolved.signal?.removeEventListener('abort', close);
      dropped.unregister(token);
      persistentSubscriptions.delete(close);
      await handle.close();
    })();
    return closing;
  };
  resolved.signal?.addEventListener('abort', close, { once: true });
  const clock = async () => {
    if (closed) throw new WatchError('ECLOSED', 'clock() on a closed subscription');
    if (!handle.clock) {
      throw new WatchError('EINVAL', `the ${handle.backend} backend has no clock: use writeSnapshot(root, file) now and changesSince(root, file) later, or backend 'watchman'`);
    }
    return handle.clock();
  };
  const roots = liveRoots(handle, resolved.recursive, () => closed);
  const subscription: Subscription = withLiveInfo({ close, clock, ...roots }, handle);
  if (resolved.persistent) persistentSubscriptions.set(close, subscription);
  else dropped.register(subscription, close, token);
  if (resolved.signal?.aborted) await close();
  return subscription;
}

/** addRoot()/removeRoot(): the input checked here, the work done by the backend's one watcher. */
function liveRoots(handle: BackendHandle, recursiveDefault: boolean, isClosed: () => boolean): Pick<Subscription, 'addRoot' | 'removeRoot'> {
  const ready = (method: string, abs: string) => {
    if (isClosed()) throw new WatchError('EINVAL', `${method}(${JSON.stringify(abs)}) on a closed subscription`, abs);
    if (!handle.addRoot || !handle.removeRoot) {
      throw new WatchError(
        'EINVAL',
        `${method}() is not supported by the ${handle.backend} backend: start another subscription for ${abs}, or use the native backend`,
        abs,
      );
    }
    return handle as Required<Pick<BackendHandle, 'addRoot' | 'removeRoot'>>;
  };
  return {
    async addRoot(p: string, options?: AddRootOptions) {
      const abs = rootPath('addRoot', p);
      const recursive = rootRecursive(options, recursiveDefault);
      await ready('addRoot', abs).addRoot(abs, recursive);
    },
    async removeRoot(p: string) {
      const abs = rootPath('removeRoot', p);
      await ready('removeRoot', abs).removeRoot(abs);
    },
  };
}

function rootPath(method: string, p: unknown): string {
  if (typeof p !== 'string' || p === '') throw new TypeError(`${method}: "path" must be a non-empty string, got ${describe(p)}`);
  if (p.includes('\0')) throw new TypeError(`${method}: "path" cannot contain a NUL byte (no file name can): ${JSON.stringify(p)}`);
  return path.resolve(p);
}

function rootRecursive(options: unknown, dflt: boolean): boolean {
  if (options === undefined) return dflt;
  if (options === null || typeof options !== 'object') throw new TypeError(`addRoot: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'recursive') throw new TypeError(`addRoot: unknown option "${key}" (the only one is "recursive")`);
  }
  const { recursive } = options as AddRootOptions;
  if (recursive !== undefined && typeof recursive !== 'boolean') {
    throw new TypeError(`addRoot: option "recursive" must be a boolean, got ${describe(recursive)}`);
  }
  return recursive ?? dflt;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v;
}

function filterBatch(batch: ChangeBatch, filter: (c: number, p: string) => boolean, onError: (e: WatchError) => void) {
  const kept = batch.filter((c) => {
    try {
      return filter(c.change, c.path);
    } catch (e) {
      reportCallbackError(e, onError);
      return false;
    }
  });
  return makeBatch(kept, batch.rescan);
}

function reportCallbackError(e: unknown, onError: (e: WatchError) => void) {
  const err = new WatchError('EIO', `watch callback threw: ${(e as Error)?.stack ?? String(e)}`);
  safeCall(onError, err);
}

function safeCall(onError: (e: WatchError) => void, e: WatchError) {
  try {
    onError(e);
  } catch (inner) {
    process.stderr.write(`watchfiles-node: onError threw: ${String(inner)}\n`);
  }
}

function defaultOnError(e: WatchError) {
  process.stderr.write(`watchfiles-node: ${e.code}: ${e.message}\n`);
}
