/**
 * Validation and defaults for WatchOptions, from the one option table (option-table.ts). Every bad option
 * throws a TypeError that names it; an explicit option always beats an environment variable.
 */
import path from 'node:path';
import { DefaultFilter, DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES } from './filters.js';
import {
  MAX_MS,
  optionSpec,
  rejectUnsupported,
  WATCH_OPTION_NAMES,
  type TableValues,
  type WatchOptionName,
} from './option-table.js';
import type { WatchFilter, WatchOptions, WatchError } from './types.js';

export { DEFAULTS, DURATION_OPTIONS, MAX_MS } from './option-table.js';

/** The validated options of one watcher: the table's values plus what the paths and the filter resolve to. */
export interface ResolvedOptions extends TableValues {
  roots: string[];
  signal?: AbortSignal;
  ignoreDirs: string[];
  ignoreEntries: string[];
  ignorePaths: string[];
  jsFilter?: WatchFilter;
  onError?: (error: WatchError) => void;
}

/**
 * Objects made by resolveOptions (or derived from one with deriveResolved): every layer below an entry
 * point takes these as they are, so an option is validated once per path.
 */
const RESOLVED = new WeakSet<object>();
let validations = 0;

/** True for an object resolveOptions made (or deriveResolved derived from one). */
export function isResolved(o: unknown): o is ResolvedOptions {
  return typeof o === 'object' && o !== null && RESOLVED.has(o);
}

/** How many times resolveOptions has validated options in this process (for the validate-once tests). */
export function validationCount(): number {
  return validations;
}

/**
 * A resolved object for other roots or flags of the same watcher (a reloader's subscriptions), without
 * validating again: `patch` comes from our own code, never from a user.
 */
export function deriveResolved(resolved: ResolvedOptions, patch: Partial<ResolvedOptions>): ResolvedOptions {
  if (!isResolved(resolved)) throw new TypeError('internal: deriveResolved() takes the result of resolveOptions()');
  const out = { ...resolved, ...patch };
  RESOLVED.add(out);
  return out;
}

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
    if (!optionSpec(key)) throw new TypeError(`unknown option "${key}"`);
  }
  validations++;
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

  const values: Record<string, unknown> = {};
  for (const name of WATCH_OPTION_NAMES) {
    const value = tableValue(name, o[name], env);
    if (value !== undefined) values[name] = value;
  }
  const resolved = { roots: resolvePaths(paths), ...values, ignoreDirs, ignoreEntries, ignorePaths } as ResolvedOptions;
  if (jsFilter) resolved.jsFilter = jsFilter;
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
  if (resolved.backend === 'watchman') rejectUnsupported(o, 'watchman');
  if (resolved.debounce < resolved.step) {
    throw new TypeError(`option "debounce" (${resolved.debounce}) must not be smaller than "step" (${resolved.step})`);
  }
  RESOLVED.add(resolved);
  return resolved;
}

/** One option's value from the table: validated when given, else from its environment variable, else its default. */
function tableValue(name: WatchOptionName, v: unknown, env: NodeJS.ProcessEnv): unknown {
  const spec = optionSpec(name)!;
  const label = `option "${name}"`;
  switch (spec.kind) {
    case 'custom':
      return undefined;
    case 'ms':
      if (v !== undefined) return checkMs(label, v, spec.min);
      return (spec.env ? envMs(spec.env, env[spec.env]) : undefined) ?? spec.default;
    case 'bool':
      if (v !== undefined) {
        if (typeof v !== 'boolean') throw new TypeError(`${label} must be a boolean, got ${typeof v}`);
        return v;
      }
      return (spec.env ? envBool(env[spec.env]) : undefined) ?? spec.default;
    case 'oneOf':
      if (v === undefined) return spec.default;
      if (!spec.values.includes(v as string)) {
        throw new TypeError(`${label} must be one of ${spec.values.map((x) => `'${x}'`).join(', ')}, got ${String(v)}`);
      }
      return v;
    case 'globs': {
      if (v === undefined) return [...spec.default];
      const list = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '')) {
        throw new TypeError(`${label} must be a string or an array of non-empty strings`);
      }
      return [...list];
    }
  }
}

function envBool(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : !/^(|0|false|no|off)$/i.test(value);
}

function envMs(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > MAX_MS) {
    throw new TypeError(`environment variable ${name} must be a number of ms from 1 to ${MAX_MS}, got "${value}"`);
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


// WatchOptions (types.ts, the documented API) and the option table name the same options: adding one to
// either alone fails to compile here.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const sameKeys: SameKeys<WatchOptions, typeof import('./option-table.js').WATCH_OPTIONS> = true;
void sameKeys;
