/**
 * The webpack plugin: replaces `compiler.watchFileSystem` in the `afterEnvironment` hook, where
 * webpack's NodeEnvironmentPlugin has just put its watchpack-based one. Everything that watches
 * through the compiler (webpack --watch, webpack-dev-server, webpack-dev-middleware) then watches
 * through the watchfiles-node core. webpack's `watchOptions` (aggregateTimeout, ignored, poll,
 * followSymlinks) keep their meaning.
 */
import { WatchfilesWatchFileSystem, type PurgeableFileSystem } from './watch-file-system.js';

export interface WatchfilesWebpackPluginOptions {
  /**
   * Skip node_modules, .git and the other default directories (see DEFAULT_IGNORE_DIRS) below the
   * context directories webpack watches recursively, so they never cost a watch. Files webpack names
   * itself are watched wherever they are. Default true.
   */
  defaultIgnores?: boolean;
}

/** The parts of webpack's Compiler the plugin uses. */
export interface CompilerLike {
  hooks: { afterEnvironment: { tap(name: string, fn: () => void): void } };
  inputFileSystem?: unknown;
  watchFileSystem?: unknown;
  getInfrastructureLogger?(name: string): { warn(...args: unknown[]): void };
}

const NAME = 'WatchfilesWebpackPlugin';
const KNOWN = new Set(['defaultIgnores']);

export class WatchfilesWebpackPlugin {
  readonly options: Readonly<WatchfilesWebpackPluginOptions>;

  constructor(options: WatchfilesWebpackPluginOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('WatchfilesWebpackPlugin: options must be an object, e.g. new WatchfilesWebpackPlugin({ defaultIgnores: false })');
    }
    for (const key of Object.keys(options)) {
      if (!KNOWN.has(key)) {
        throw new TypeError(
          `WatchfilesWebpackPlugin: unknown option "${key}"; webpack's own watchOptions (aggregateTimeout, ignored, poll, followSymlinks) go in the webpack config`,
        );
      }
    }
    if (options.defaultIgnores !== undefined && typeof options.defaultIgnores !== 'boolean') {
      throw new TypeError(`WatchfilesWebpackPlugin: option "defaultIgnores" must be a boolean, got ${typeof options.defaultIgnores}`);
    }
    this.options = Object.freeze({ ...options });
  }

  apply(compiler: CompilerLike): void {
    if (!compiler?.hooks?.afterEnvironment) {
      throw new TypeError('WatchfilesWebpackPlugin: this is a webpack 5 plugin; put it in the "plugins" array of a webpack 5 config');
    }
    compiler.hooks.afterEnvironment.tap(NAME, () => {
      const logger = compiler.getInfrastructureLogger?.('watchfiles-node');
      compiler.watchFileSystem = new WatchfilesWatchFileSystem(compiler.inputFileSystem as PurgeableFileSystem | undefined, {
        defaultIgnores: this.options.defaultIgnores,
        onError: (e) => (logger ? logger.warn(e.message) : process.stderr.write(`watchfiles-node/webpack: ${e.message}\n`)),
      });
    });
  }
}
