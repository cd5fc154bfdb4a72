/**
 * Validation and defaults for WatchOptions. Every bad option throws a TypeError that names it; an
 * explicit option always beats an environment variable.
 */
import path from 'node:path';
import { DefaultFilter, DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES } from './filters.js';
import type { WatchFilter, WatchOptions, WatchError } from './types.js';

/**
 * The longest duration any option takes, in ms: setTimeout's ceiling (2^31-1, about 24.8 days). Larger
 * values would fire after 1 ms in Node's timers and wrap around in the native binding's 32-bit fields.
 */
export const MAX_MS = 2 ** 31 - 1;

/**
 * Every duration option of WatchOptions in one table: the smallest value it takes (the largest is MAX_MS).
 * runProcess, the reloaders, the CLI and the chokidar facade check their own durations with checkMs() too.
 */
export const DURATION_OPTIONS = Object.freeze({
  debounce: 1,
  step: 1,
  pollDelay: 1,
  vcsSettleTimeout: 0,
  timeout: 1,
} as const);

export const DEFAULTS = Object.freeze({
  debounce: 1600,
  step: 50,
  pollDelay: 300,
  vcsSettleTimeout: 10_000,
});

export interface ResolvedOptions {
  roots: string[];
  debounce: number;
  step: number;
  signal?: AbortSignal;
  timeout?: number;
  yieldOnTimeout: boolean;
  recursive: boolean;
  ignore: string[];
  gitignore: boolean;
  ignoreDirs: string[];
  ignoreEntries: string[];
  ignorePaths: string[];
  jsFilter?: WatchFilter;
  forcePolling: boolean;
  pollDelay: number;
  ignorePermissionDenied: boolean;
  persistent: boolean;
  vcsSettle: boolean;
  vcsSettleTimeout: number;
  onLimit: 'error' | 'poll';
  followSymlinks: boolean;
  onError?: (error: WatchError) => void;
  backend: 'native' | 'watchman';
}

const KNOWN = new Set([
  'debounce', 'step', 'signal', 'timeout', 'yieldOnTimeout', 'recursive', 'ignore', 'gitignore', 'filter',
  'forcePolling', 'pollDelay', 'ignorePermissionDenied', 'persistent', 'vcsSettle', 'vcsSettleTimeout',
  'onLimit', 'followSymlinks', 'onError', 'backend',
]);

export function resolvePaths(paths: unknown): string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== 'string' || p === '')) {
    throw new TypeError('paths must be a non-empty string or a non-empty array of non-empty strings');
  }
  const withNul = list.find((p: string) => p.includes('\0'));
  if (withNul !== undefined) {
    throw new TypeError(`paths cannot contain a NUL byte (no file name can): ${JSON.stringify(withNul)}`);
  }
  return [...new Set(list.map((p: string) => path.resolve(p)))];
}

export function resolveOptions(paths: unknown, options: WatchOptions = {}, env = process.env): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new TypeError(`unknown option "${key}"`);
  }
  const o = options as Record<string, unknown>;
  const filter = o.filter;
  let ignoreDirs = [...DEFAULT_IGNORE_DIRS];
  let ignoreEntries = [...DEFAULT_IGNORE_ENTRIES];
  let ignorePaths: string[] = [];
  let jsFilter: WatchFilter | undefined;
  if (filter === null) {
    ignoreDirs = [];
    ignoreEntries = [];
  } else if (filter instanceof DefaultFilter) {
    ignoreDirs = [...filter.ignoreDirs];
    ignoreEntries = [...filter.ignoreEntityPatterns];
    ignorePaths = [...filter.ignorePaths];
  } else if (typeof filter === 'function') {
    jsFilter = filter as WatchFilter;
  } else if (filter !== undefined) {
    throw new TypeError('option "filter" must be a function, a DefaultFilter or null');
  }

  const envPolling = env.WATCHFILES_FORCE_POLLING;
  const envDelay = env.WATCHFILES_POLL_DELAY_MS;
  const resolved: ResolvedOptions = {
    roots: resolvePaths(paths),
    debounce: num(o, 'debounce', DEFAULTS.debounce),
    step: num(o, 'step', DEFAULTS.step),
    yieldOnTimeout: bool(o, 'yieldOnTimeout', false),
    recursive: bool(o, 'recursive', true),
    ignore: strings(o, 'ignore'),
    gitignore: bool(o, 'gitignore', false),
    ignoreDirs,
    ignoreEntries,
    ignorePaths,
    forcePolling: bool(o, 'forcePolling', envPolling !== undefined && !/^(|0|false|no|off)$/i.test(envPolling)),
    pollDelay: num(o, 'pollDelay', o.pollDelay === undefined ? (envDelayMs(envDelay) ?? DEFAULTS.pollDelay) : 0),
    ignorePermissionDenied: bool(o, 'ignorePermissionDenied', false),
    persistent: bool(o, 'persistent', true),
    vcsSettle: bool(o, 'vcsSettle', true),
    vcsSettleTimeout: num(o, 'vcsSettleTimeout', DEFAULTS.vcsSettleTimeout),
    onLimit: oneOf(o, 'onLimit', ['error', 'poll'] as const, 'error'),
    followSymlinks: bool(o, 'followSymlinks', true),
    backend: oneOf(o, 'backend', ['native', 'watchman'] as const, 'native'),
  };
  if (jsFilter) resolved.jsFilter = jsFilter;
  if (o.timeout !== undefined) resolved.timeout = num(o, 'timeout', 0);
  if (o.signal !== undefined) {
    const s = o.signal as AbortSignal;
    if (!s || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
      throw new TypeError('option "signal" must be an AbortSignal');
    }
    resolved.signal = s;
  }
  if (o.onError !== undefined) {
    if (typeof o.onError !== 'function') throw new TypeError('option "onError" must be a function');
    resolved.onError = o.onError as (e: WatchError) => void;
  }
  if (resolved.backend === 'watchman' && resolved.forcePolling && o.forcePolling === true) {
    throw new TypeError(`option "forcePolling" cannot be combined with backend 'watchman' (the watchman server decides how it watches)`);
  }
  if (resolved.debounce < resolved.step) {
    throw new TypeError(`option "debounce" (${resolved.debounce}) must not be smaller than "step" (${resolved.step})`);
  }
  return resolved;
}

function envDelayMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > MAX_MS) {
    throw new TypeError(
      `environment variable WATCHFILES_POLL_DELAY_MS must be a number of ms from 1 to ${MAX_MS}, got "${value}"`,
    );
  }
  return Math.round(n);
}

/**
 * Checks a duration: a finite number of ms from `min` to MAX_MS, rounded to a whole ms. `name` is how the
 * message names it (`option "step"`, `runProcess: option "sigintTimeout"`, `--debounce`).
 */
export function checkMs(name: string, value: unknown, min: number): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= MAX_MS;
  const rounded = ok ? Math.round(value as number) : NaN;
  if (!(rounded >= min)) {
    const got = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'number' ? String(value) : typeof value;
    throw new TypeError(`${name} must be a number of ms from ${min} to ${MAX_MS} (about 24.8 days), got ${got}`);
  }
  return rounded;
}

function num(o: Record<string, unknown>, key: keyof typeof DURATION_OPTIONS, dflt: number): number {
  const v = o[key];
  return v === undefined ? dflt : checkMs(`option "${key}"`, v, DURATION_OPTIONS[key]);
}

function bool(o: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`option "${key}" must be a boolean, got ${typeof v}`);
  return v;
}

function strings(o: Record<string, unknown>, key: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError(`option "${key}" must be a string or an array of non-empty strings`);
  }
  return [...list];
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, values: readonly T[], dflt: T): T {
  const v = o[key];
  if (v === undefined) return dflt;
  if (!values.includes(v as T)) {
    throw new TypeError(`option "${key}" must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${String(v)}`);
  }
  return v as T;
}
