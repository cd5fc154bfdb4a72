/**
 * The Vite plugin. `config` sets `server.watch` to null, so Vite creates no chokidar watcher but a
 * no-op emitter it still listens to; `configureServer` (ordered first) feeds that emitter from the
 * watchfiles-node core and routes its add()/unwatch()/close() to us. HMR, full reloads and server
 * restarts on config changes then work as before, on native watches.
 */
import path from 'node:path';
import type { Matcher } from '../chokidar/types.js';
import { ViteWatchBridge, type ViteWatchEvent } from './bridge.js';

export interface WatchfilesViteOptions {
  /** Extra chokidar-style `ignored` matchers, added to Vite's own and to `server.watch.ignored`. */
  ignored?: Matcher | Matcher[];
}

/** What the plugin reads of Vite's user config. */
interface UserConfigLike {
  server?: { watch?: WatchConfigLike | null } | undefined;
}
interface WatchConfigLike {
  ignored?: Matcher | Matcher[];
  usePolling?: boolean;
  interval?: number;
  followSymlinks?: boolean;
}
/** What the plugin uses of a Vite dev server. */
interface DevServerLike {
  watcher: {
    options?: { ignored?: Matcher | Matcher[] };
    emit(event: string | symbol, ...args: any[]): boolean;
    add(paths: string | readonly string[]): unknown;
    unwatch(paths: string | readonly string[]): unknown;
    getWatched(): Record<string, string[]>;
    close(): Promise<void>;
  };
  config: {
    root: string;
    mode: string;
    envDir?: string | false;
    publicDir?: string | false;
    configFileDependencies: string[];
    logger: { error(msg: string): void; warn?(msg: string): void };
  };
}

export interface WatchfilesVitePlugin {
  name: string;
  enforce: 'pre';
  apply: 'serve';
  config(config: UserConfigLike): void;
  configureServer(server: DevServerLike): Promise<void>;
}

const KNOWN = new Set(['ignored']);

/** `plugins: [watchfiles()]` in vite.config: Vite's dev server watches through watchfiles-node. */
export function watchfiles(options: WatchfilesViteOptions = {}): WatchfilesVitePlugin {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('watchfiles-node/vite: options must be an object, e.g. watchfiles({ ignored: ["**/tmp/**"] })');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`watchfiles-node/vite: unknown option "${key}"; Vite's server.watch options (ignored, usePolling, interval, followSymlinks) are read from the Vite config`);
    }
  }
  let userWatch: WatchConfigLike | undefined;
  return {
    name: 'watchfiles-node',
    enforce: 'pre',
    apply: 'serve',
    config(config) {
      // Mutated, not returned: Vite's config merge skips a null value.
      const server = (config.server ??= {});
      userWatch = server.watch ?? undefined;
      server.watch = null;
    },
    async configureServer(server) {
      const watcher = server.watcher;
      const { config } = server;
      const ignored: Matcher[] = [
        ...arraify(watcher.options?.ignored), // Vite's own: .git, node_modules, test-results, cacheDir, outDir
        ...arraify(userWatch?.ignored),
        ...arraify(options.ignored),
      ];
      const bridge = new ViteWatchBridge({
        paths: [
          config.root,
          ...config.configFileDependencies,
          ...envFiles(config.mode, config.envDir === false ? undefined : (config.envDir ?? config.root)),
          ...(config.publicDir ? [config.publicDir] : []),
        ].map((p) => path.resolve(p)),
        ignored,
        usePolling: userWatch?.usePolling,
        interval: userWatch?.interval,
        followSymlinks: userWatch?.followSymlinks,
        emit: (event: ViteWatchEvent | 'ready' | 'error', ...args: unknown[]) => {
          watcher.emit(event, ...args);
        },
      });
      // Vite's no-op watcher ignores add()/unwatch(); ours does what chokidar would have done.
      watcher.add = (paths) => (bridge.add(paths), watcher);
      watcher.unwatch = (paths) => (bridge.unwatch(paths), watcher);
      watcher.getWatched = () => bridge.getWatched();
      const close = watcher.close.bind(watcher);
      watcher.close = async () => {
        await Promise.all([bridge.close(), close()]);
      };
      // Resolves once the first watches are in place: no edit after the server is up is missed.
      await bridge.open();
    },
  };
}

/** The .env files Vite loads for a mode (and so watches). */
function envFiles(mode: string, envDir: string | undefined): string[] {
  if (!envDir) return [];
  return ['.env', '.env.local', `.env.${mode}`, `.env.${mode}.local`].map((f) => path.join(envDir, f));
}

function arraify<T>(v: T | T[] | undefined | null): T[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}
