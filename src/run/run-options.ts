/**
 * Options of runProcess: validated up front, every bad value a TypeError naming the option. Options that
 * are not the runner's own go to the watcher (and are validated there).
 */
import { constants } from 'node:os';
import type { StdioOptions } from 'node:child_process';
import { checkMs } from '../watch/options.js';
import type { ChangeBatch, WatchOptions } from '../watch/types.js';
import type { RunEventHandler } from './events.js';
import { CHANGE_SOURCES, type ChangeSourceName } from './change-source-names.js';
import type { TargetType } from './target.js';
import { parseSocketAddress, type SocketAddress } from './held-socket.js';
import { DEFAULT_ASSET_EXTENSIONS, normalizeExtensions } from '../livereload/assets.js';
import type { LiveReloadOptions } from '../livereload/server.js';

/** Watcher options (see WatchOptions) apply too; `step` defaults to 20 ms here (RUN_DEFAULTS.step). */
export interface RunProcessOptions extends Omit<WatchOptions, 'onError' | 'timeout' | 'yieldOnTimeout'> {
  /** 'command', 'function' (`./module.js:exportName`) or 'auto' (decide from the target). Default 'auto'. */
  targetType?: TargetType;
  /** Arguments of a function target (its process.argv.slice(2), and its parameters). Default []. */
  args?: string[];
  /** Run a command target through the shell (/bin/sh -c, cmd.exe on Windows). Default false. */
  shell?: boolean;
  /** Node flags for a function target's child, like child_process.fork(). Default process.execArgv. */
  execArgv?: string[];
  /** Working directory of the child. Default process.cwd(). */
  cwd?: string;
  /** Extra environment for the child, on top of process.env. */
  env?: NodeJS.ProcessEnv;
  /** stdio of the child. Default: inherit, except stdin is ignored when `rs` is read from a TTY. */
  stdio?: StdioOptions;
  /** Called with the changes before each change-triggered restart (awaited). */
  callback?: (changes: ChangeBatch) => unknown;
  /** ms after each start during which changes are ignored. Default 0. */
  gracePeriod?: number;
  /** Signal sent to the child's process group to stop it. Default 'SIGINT'. */
  stopSignal?: NodeJS.Signals;
  /** ms to wait after the stop signal before SIGKILL. Default 5000. */
  sigintTimeout?: number;
  /** ms to wait after SIGKILL for the group to be gone. Default 1000. */
  sigkillTimeout?: number;
  /** Restart when `rs` + Enter is typed on a TTY stdin. Default true. */
  restartOnInput?: boolean;
  /** Stop the child and resolve on SIGINT, SIGTERM and SIGHUP to this process (else the child would be orphaned). Default true. */
  handleSignals?: boolean;
  /**
   * What detects changes: 'native' (the native watcher; fails when no binary loads) or 'stat' (the
   * StatReloader: stats every file each pollDelay ms, pure JS) or 'watchman' (a watchman server watches, the
   * same as the watcher option backend: 'watchman'). Default: the native watcher, else the JS poller.
   */
  changeSource?: ChangeSourceName;
  /** @deprecated The old name of `changeSource` ('watchfiles' there is 'native'); it still works, after one notice on stderr. */
  reloader?: 'watchfiles' | 'stat' | 'watchman';
  /** Receives what the runner does (starts, restarts, exits, errors). Default: one line per event on stderr. */
  onEvent?: RunEventHandler;
  /**
   * Keep the next Node child booted and waiting (before it reads any of your code) while the current one
   * runs, so a restart skips Node's start-up. One extra idle `node` process. Applies to `node ...` commands
   * and function targets without --inspect or --env-file, not on Windows; elsewhere it does nothing.
   * Default true.
   */
  warmSpare?: boolean;
  /**
   * Zero-downtime restarts: bind this address (a port, or host:port; host 127.0.0.1 unless given) once
   * and keep the socket across restarts, so requests made during a restart wait and are answered by the
   * new server. A Node child's first listen() on that port gets the socket without any change to its
   * code; any other program finds it as fd 3 (LISTEN_FDS=1, LISTEN_PID, as systemd socket activation).
   * Not on Windows. Default: none.
   */
  socket?: number | string;
  /**
   * Browser live reload: serve the LiveReload protocol 7 (WebSocket and /livereload.js on
   * 127.0.0.1:35729, or the port/host given) and add its script to the HTML that a Node child serves.
   * A changed static asset (see `assets`) is swapped in the page, or the page reloaded, without restarting
   * the child; any other change restarts the child, then reloads the page once the server answers.
   * Default false.
   */
  livereload?: boolean | LiveReloadOptions;
  /** With livereload: extensions of static assets, which never restart the child. Default: css and images (DEFAULT_ASSET_EXTENSIONS). */
  assets?: string[];
}

export const RUN_DEFAULTS = Object.freeze({
  /**
   * Quiet time before a restart: 20 ms, not watch()'s 50. An editor's save (temp file, rename, chmod) is
   * over within a few ms, and every ms here is added to each restart; longer bursts (a build writing its
   * output) still end up in one restart because the batch waits for 20 ms without events, up to `debounce`.
   */
  step: 20,
  gracePeriod: 0,
  stopSignal: 'SIGINT' as NodeJS.Signals,
  sigintTimeout: 5000,
  sigkillTimeout: 1000,
});

const RUN_KEYS = new Set([
  'targetType', 'args', 'shell', 'execArgv', 'cwd', 'env', 'stdio', 'callback', 'gracePeriod', 'stopSignal',
  'sigintTimeout', 'sigkillTimeout', 'restartOnInput', 'handleSignals', 'onEvent', 'changeSource', 'reloader', 'warmSpare', 'socket', 'livereload', 'assets',
]);

export interface ResolvedRunOptions {
  targetType: TargetType;
  args: string[];
  shell: boolean;
  execArgv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdio?: StdioOptions;
  callback?: (changes: ChangeBatch) => unknown;
  gracePeriod: number;
  stopSignal: NodeJS.Signals;
  sigintTimeout: number;
  sigkillTimeout: number;
  restartOnInput: boolean;
  handleSignals: boolean;
  warmSpare: boolean;
  socket?: SocketAddress;
  livereload?: LiveReloadOptions;
  assets: string[];
  onEvent?: RunEventHandler;
  changeSource?: ChangeSourceName;
  /** The options meant for the watcher (validated once, by runProcess, into the watcher's ResolvedOptions). */
  watch: WatchOptions;
}

export function resolveRunOptions(options: RunProcessOptions): ResolvedRunOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('runProcess: options must be an object');
  const o = options as Record<string, unknown>;
  const watch: Record<string, unknown> = {};
  for (const key of Object.keys(o)) if (!RUN_KEYS.has(key) && o[key] !== undefined) watch[key] = o[key];

  const targetType = o.targetType ?? 'auto';
  if (targetType !== 'auto' && targetType !== 'command' && targetType !== 'function') {
    throw new TypeError(`runProcess: option "targetType" must be 'auto', 'command' or 'function', got ${String(targetType)}`);
  }
  const resolved: ResolvedRunOptions = {
    targetType,
    args: strings(o, 'args', []),
    shell: bool(o, 'shell', false),
    execArgv: strings(o, 'execArgv', process.execArgv),
    cwd: o.cwd === undefined ? process.cwd() : str(o, 'cwd'),
    env: o.env === undefined ? {} : envObject(o.env),
    gracePeriod: ms(o, 'gracePeriod', RUN_DEFAULTS.gracePeriod),
    stopSignal: signal(o, 'stopSignal', RUN_DEFAULTS.stopSignal),
    sigintTimeout: ms(o, 'sigintTimeout', RUN_DEFAULTS.sigintTimeout),
    sigkillTimeout: ms(o, 'sigkillTimeout', RUN_DEFAULTS.sigkillTimeout),
    restartOnInput: bool(o, 'restartOnInput', true),
    handleSignals: bool(o, 'handleSignals', true),
    warmSpare: bool(o, 'warmSpare', true),
    assets: normalizeExtensions(strings(o, 'assets', DEFAULT_ASSET_EXTENSIONS)),
    watch: { step: RUN_DEFAULTS.step, ...watch } as WatchOptions,
  };
  if (o.stdio !== undefined) resolved.stdio = o.stdio as StdioOptions;
  if (o.callback !== undefined) resolved.callback = fn(o, 'callback') as ResolvedRunOptions['callback'];
  const changeSource = changeSourceOption(o);
  if (changeSource !== undefined) resolved.changeSource = changeSource;
  if (o.socket !== undefined) resolved.socket = parseSocketAddress(o.socket, 'runProcess: option "socket"');
  if (o.livereload !== undefined && o.livereload !== false) resolved.livereload = liveReloadOptions(o.livereload);
  if (o.onEvent !== undefined) resolved.onEvent = fn(o, 'onEvent') as RunEventHandler;
  return resolved;
}

let warnedReloader = false;

/** `changeSource`, or its deprecated name `reloader` (whose 'watchfiles' is 'native') after a one-line notice. */
function changeSourceOption(o: Record<string, unknown>): ChangeSourceName | undefined {
  const list = CHANGE_SOURCES.map((x) => `'${x}'`).join(', ');
  if (o.changeSource !== undefined && !CHANGE_SOURCES.includes(o.changeSource as ChangeSourceName)) {
    throw new TypeError(`runProcess: option "changeSource" must be one of ${list}, got ${String(o.changeSource)}`);
  }
  if (o.reloader === undefined) return o.changeSource as ChangeSourceName | undefined;
  if (o.reloader !== 'watchfiles' && o.reloader !== 'stat' && o.reloader !== 'watchman') {
    throw new TypeError(`runProcess: option "reloader" (now "changeSource") must be 'watchfiles', 'stat' or 'watchman', got ${String(o.reloader)}`);
  }
  const fromOld: ChangeSourceName = o.reloader === 'watchfiles' ? 'native' : o.reloader;
  if (o.changeSource !== undefined && o.changeSource !== fromOld) {
    throw new TypeError(`runProcess: options "changeSource" ('${String(o.changeSource)}') and its old name "reloader" ('${o.reloader}') disagree; pass "changeSource" only`);
  }
  if (!warnedReloader) {
    warnedReloader = true;
    process.stderr.write(`watchfiles-node: runProcess option "reloader" is deprecated: write changeSource: '${fromOld}'\n`);
  }
  return fromOld;
}

function fn(o: Record<string, unknown>, key: string): unknown {
  if (typeof o[key] !== 'function') throw new TypeError(`runProcess: option "${key}" must be a function`);
  return o[key];
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new TypeError(`runProcess: option "${key}" must be a non-empty string`);
  return v;
}

function bool(o: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`runProcess: option "${key}" must be a boolean, got ${typeof v}`);
  return v;
}

function ms(o: Record<string, unknown>, key: string, dflt: number): number {
  const v = o[key];
  return v === undefined ? dflt : checkMs(`runProcess: option "${key}"`, v, 0);
}

function strings(o: Record<string, unknown>, key: string, dflt: readonly string[]): string[] {
  const v = o[key];
  if (v === undefined) return [...dflt];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new TypeError(`runProcess: option "${key}" must be an array of strings`);
  }
  return [...v];
}

function signal(o: Record<string, unknown>, key: string, dflt: NodeJS.Signals): NodeJS.Signals {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(v in constants.signals)) {
    throw new TypeError(`runProcess: option "${key}" must be a signal name such as 'SIGINT' or 'SIGTERM', got ${String(v)}`);
  }
  return v as NodeJS.Signals;
}

function envObject(v: unknown): NodeJS.ProcessEnv {
  if (v === null || typeof v !== 'object' || Object.values(v).some((x) => x !== undefined && typeof x !== 'string')) {
    throw new TypeError('runProcess: option "env" must be an object of string values');
  }
  return { ...(v as NodeJS.ProcessEnv) };
}

function liveReloadOptions(v: unknown): LiveReloadOptions {
  if (v === true) return {};
  const bad = () => new TypeError('runProcess: option "livereload" must be true, false or { port?, host?, origins? }');
  if (v === null || typeof v !== 'object') throw bad();
  const o = v as Record<string, unknown>;
  const out: LiveReloadOptions = {};
  if (o.port !== undefined) {
    if (!Number.isInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65535) {
      throw new TypeError(`runProcess: option "livereload.port" must be a port (1-65535), got ${String(o.port)}`);
    }
    out.port = o.port as number;
  }
  if (o.host !== undefined) {
    if (typeof o.host !== 'string' || !o.host) throw new TypeError('runProcess: option "livereload.host" must be a non-empty string');
    out.host = o.host;
  }
  if (o.origins !== undefined) {
    if (!Array.isArray(o.origins) || o.origins.some((x) => typeof x !== 'string')) {
      throw new TypeError('runProcess: option "livereload.origins" must be an array of origins like "http://dev.test:8080"');
    }
    out.origins = [...(o.origins as string[])];
  }
  return out;
}
