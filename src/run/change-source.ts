/**
 * Where runProcess gets its changes from (its `changeSource` option): the watcher (native events, or the JS
 * poller when no binary loads; or a watchman server with 'watchman'), or the StatReloader ('stat': stat every
 * file each pollDelay ms, no native code at all, for filesystems where nothing else works). Both end up as
 * batches for the supervisor. The options arrive resolved (runProcess validated them once) and are used as
 * they are.
 */
import fs from 'node:fs';
import { makeBatch } from '../watch/batch.js';
import { compileFilter, isUnder } from '../watch/filters.js';
import { loadNative, nativeLoadError } from '../watch/addon.js';
import type { ResolvedOptions } from '../watch/options.js';
import { StatReloader } from '../reloaders/stat.js';
import { start } from '../watch/subscribe.js';
import { WatchError, type ChangeBatch } from '../watch/types.js';
import type { ChangeSourceName } from './change-source-names.js';

export type { ChangeSourceName } from './change-source-names.js';

export interface ChangeSource {
  readonly backend: string;
  readonly pollReason: string;
  close(): Promise<void>;
}

/** `options` must come from resolveOptions (with backend 'watchman' already set for that source). */
export async function startChangeSource(
  kind: ChangeSourceName | undefined,
  options: ResolvedOptions,
  onBatch: (batch: ChangeBatch) => void,
  onError: (error: WatchError | Error) => void,
): Promise<ChangeSource> {
  if (kind === 'stat') return startStat(options, onBatch, onError);
  if (kind === 'native' && !loadNative()) {
    throw new Error(`the native change source cannot start: ${nativeLoadError()}; use changeSource 'stat' or leave it unset`);
  }
  return start(options, onBatch, onError);
}

async function startStat(
  options: ResolvedOptions,
  onBatch: (batch: ChangeBatch) => void,
  onError: (error: Error) => void,
): Promise<ChangeSource> {
  // Takes the resolved options as they are: refuses what it cannot honour (gitignore), batches by step/debounce.
  const reloader = new StatReloader(options as never);
  for (const root of options.roots) {
    if (!fs.existsSync(root)) throw new WatchError('ENOENT', `path does not exist: ${root} (create it first, or fix the path)`, root);
  }
  const glob = options.recursive ? '**/*' : '*';
  for (const root of options.roots) {
    if (fs.statSync(root).isDirectory()) reloader.watchDir(root, glob);
    else reloader.watchFile(root);
  }
  // The StatReloader knows globs only; the watcher's filters are applied here, in JS.
  const keep = statFilter(options);
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
