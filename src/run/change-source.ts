/**
 * Where runProcess gets its changes from: the watcher (subscribe(): native events, or the JS poller when
 * no binary loads; or a watchman server with reloader 'watchman'), or the StatReloader (stat every file each pollDelay ms: no native code at all, for
 * filesystems where nothing else works). Both end up as batches for the supervisor.
 */
import fs from 'node:fs';
import { makeBatch } from '../watch/batch.js';
import { compileFilter, isUnder } from '../watch/filters.js';
import { loadNative, nativeLoadError } from '../watch/addon.js';
import { resolveOptions, type ResolvedOptions } from '../watch/options.js';
import { StatReloader } from '../reloaders/stat.js';
import { subscribe } from '../watch/subscribe.js';
import { WatchError, type ChangeBatch, type WatchOptions } from '../watch/types.js';

export type ReloaderKind = 'watchfiles' | 'stat' | 'watchman';

export interface ChangeSource {
  readonly backend: string;
  readonly pollReason: string;
  close(): Promise<void>;
}

export async function startChangeSource(
  roots: string[],
  kind: ReloaderKind | undefined,
  options: WatchOptions,
  onBatch: (batch: ChangeBatch) => void,
  onError: (error: WatchError | Error) => void,
): Promise<ChangeSource> {
  if (kind === 'stat') return startStat(roots, options, onBatch, onError);
  if (kind === 'watchfiles' && !loadNative()) {
    throw new Error(`the watchfiles reloader cannot start: ${nativeLoadError()}; use reloader 'stat' or leave it unset`);
  }
  if (kind === 'watchman') return subscribe(roots, onBatch, { ...options, backend: 'watchman', onError });
  return subscribe(roots, onBatch, { ...options, onError });
}

async function startStat(
  roots: string[],
  options: WatchOptions,
  onBatch: (batch: ChangeBatch) => void,
  onError: (error: Error) => void,
): Promise<ChangeSource> {
  // Same validation as the watcher: bad options and missing paths fail here, not silently.
  const resolved = resolveOptions(roots, options);
  for (const root of roots) {
    if (!fs.existsSync(root)) throw new WatchError('ENOENT', `path does not exist: ${root} (create it first, or fix the path)`, root);
  }
  const reloader = new StatReloader(options.pollDelay === undefined ? {} : { interval: options.pollDelay });
  const glob = options.recursive === false ? '*' : '**/*';
  for (const root of roots) {
    if (fs.statSync(root).isDirectory()) reloader.watchDir(root, glob);
    else reloader.watchFile(root);
  }
  // The StatReloader knows globs only; the watcher's filters are applied here, in JS.
  const keep = statFilter(resolved);
  reloader.on('reload', (batch) => {
    const kept = batch.filter((c) => keep(c.change, c.path));
    if (kept.length || batch.rescan) onBatch(makeBatch(kept, batch.rescan));
  });
  reloader.on('error', onError);
  const running = reloader.run().catch(onError);
  return {
    backend: 'stat',
    pollReason: `StatReloader, every ${reloader.interval} ms`,
    async close() {
      await reloader.stop();
      await running;
    },
  };
}

function statFilter(options: ResolvedOptions): (change: number, p: string) => boolean {
  const ignored = compileFilter(options);
  const rootOf = (p: string) => options.roots.find((r) => isUnder(r, p)) ?? options.roots[0]!;
  return (change, p) => !ignored(p, rootOf(p)) && (!options.jsFilter || options.jsFilter(change, p));
}
