/**
 * watchfiles-node/typescript: a `ts.System` whose watchFile()/watchDirectory() go through one
 * watchfiles-node watcher instead of one OS watch per file and per directory, and `watchProject()`,
 * the equivalent of `tsc -w -p <project>` on it. TypeScript itself is the caller's: pass the `typescript`
 * module (this package does not depend on it). See docs/typescript.md.
 */
import type * as TS from 'typescript';
import { WatchHub, type HubOptions } from './hub.js';

export { FileEventKind } from './hub.js';

export interface WatchSystem extends TS.System {
  watchFile: NonNullable<TS.System['watchFile']>;
  watchDirectory: NonNullable<TS.System['watchDirectory']>;
  /** OS watches this system holds now (inotify watches on Linux), as of its last re-plan. */
  readonly watchCount: number;
  /** Resolves once every watch asked for so far is in place. */
  settled(): Promise<void>;
  /** Closes every watch. */
  closeWatchers(): Promise<void>;
}

export interface WatchSystemOptions extends HubOptions {}

/**
 * `base` (usually `ts.sys`) with watchFile/watchDirectory replaced. The polling interval and tsconfig
 * `watchOptions` (watchFile: 'priorityPollingInterval', fallbackPolling...) tsc would pass are accepted and
 * not needed: the engine picks native events, or polling where the OS gives none.
 */
export function createWatchSystem(base: TS.System, options: WatchSystemOptions = {}): WatchSystem {
  if (!base || typeof base.readFile !== 'function') {
    throw new TypeError('createWatchSystem(base): base must be a ts.System, usually `ts.sys` from the typescript module');
  }
  const hub = new WatchHub(options);
  const system = Object.assign(Object.create(base) as TS.System, {
    watchFile: (file: string, callback: TS.FileWatcherCallback) => hub.watchFile(file, callback as never),
    watchDirectory: (dir: string, callback: TS.DirectoryWatcherCallback, recursive?: boolean) => hub.watchDirectory(dir, callback, !!recursive),
    settled: () => hub.settled(),
    closeWatchers: () => hub.close(),
  });
  // A live getter (Object.assign would copy its value once).
  Object.defineProperty(system, 'watchCount', { get: () => hub.watchCount, enumerable: true });
  return system as WatchSystem;
}

export interface WatchProjectOptions extends WatchSystemOptions {
  /** Compiler options on top of the tsconfig's, as `tsc -w -p x --outDir y` would pass them. */
  compilerOptions?: TS.CompilerOptions;
  /** Diagnostics; default: printed like tsc prints them. */
  reportDiagnostic?: TS.DiagnosticReporter;
  /** "Starting compilation in watch mode...", "Found 0 errors. Watching for file changes."; default: printed. */
  reportWatchStatus?: TS.WatchStatusReporter;
}

export interface ProjectWatch {
  system: WatchSystem;
  program: TS.WatchOfConfigFile<TS.EmitAndSemanticDiagnosticsBuilderProgram>;
  /** Stops watching: closes tsc's watch program and every OS watch. */
  close(): Promise<void>;
}

/** `tsc -w -p <configPath>` on our watcher: the same builder program, host and messages as tsc's. */
export function watchProject(ts: typeof TS, configPath: string, options: WatchProjectOptions = {}): ProjectWatch {
  if (!ts || typeof ts.createWatchProgram !== 'function') {
    throw new TypeError('watchProject(ts, configPath): pass the typescript module as `ts` (import ts from "typescript")');
  }
  const system = createWatchSystem(ts.sys, options);
  const found = ts.sys.fileExists(configPath) ? configPath : ts.findConfigFile(configPath, ts.sys.fileExists);
  if (!found) throw new Error(`watchProject: no tsconfig.json at ${configPath} (give the file or a directory holding one)`);
  const formatHost: TS.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: ts.sys.getCurrentDirectory,
    getNewLine: () => ts.sys.newLine,
  };
  const host = ts.createWatchCompilerHost(
    found,
    options.compilerOptions ?? {},
    system,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    options.reportDiagnostic ?? ((d) => ts.sys.write(ts.formatDiagnosticsWithColorAndContext([d], formatHost))),
    options.reportWatchStatus ?? ((d) => ts.sys.write(`${ts.flattenDiagnosticMessageText(d.messageText, ts.sys.newLine)}${ts.sys.newLine}`)),
  );
  const program = ts.createWatchProgram(host);
  return {
    system,
    program,
    close: async () => {
      program.close();
      await system.closeWatchers();
    },
  };
}
