/**
 * chokidar's options with chokidar's defaults. Unknown options are accepted and ignored, as chokidar
 * does (tools pass options of other chokidar versions); a known option of the wrong type is a TypeError
 * naming it. CHOKIDAR_USEPOLLING and CHOKIDAR_INTERVAL override the options, as in chokidar, because
 * that is how users force polling inside tools they cannot edit.
 */
import path from 'node:path';
import { MAX_MS } from '../watch/options.js';
import type { AwaitWriteFinishOptions, ChokidarOptions, Matcher, ResolvedChokidarOptions } from './types.js';

const AWF_DEFAULTS: AwaitWriteFinishOptions = { stabilityThreshold: 2000, pollInterval: 100 };
/** chokidar's window for pairing an unlink with a re-add into one 'change'. */
const ATOMIC_DEFAULT_MS = 100;

export function resolveChokidarOptions(
  options: ChokidarOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedChokidarOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new TypeError('chokidar options must be an object');
  const o = options as Record<string, unknown>;

  let usePolling = bool(o, 'usePolling', false);
  let interval = positive(o, 'interval', 100);
  const envPoll = env.CHOKIDAR_USEPOLLING;
  if (envPoll !== undefined) {
    const lower = envPoll.toLowerCase();
    usePolling = lower === 'false' || lower === '0' ? false : lower === 'true' || lower === '1' ? true : !!lower;
  }
  const envInterval = env.CHOKIDAR_INTERVAL ? Number.parseInt(env.CHOKIDAR_INTERVAL, 10) : NaN;
  if (Number.isFinite(envInterval) && envInterval > 0) {
    if (envInterval > MAX_MS) {
      throw new TypeError(`environment variable CHOKIDAR_INTERVAL must be a number of ms up to ${MAX_MS}, got "${env.CHOKIDAR_INTERVAL}"`);
    }
    interval = envInterval;
  }

  const resolved: ResolvedChokidarOptions = {
    persistent: bool(o, 'persistent', true),
    ignored: ignoredList(o.ignored),
    ignoreInitial: bool(o, 'ignoreInitial', false),
    followSymlinks: bool(o, 'followSymlinks', true),
    awaitWriteFinish: awaitWriteFinish(o.awaitWriteFinish),
    atomic: atomic(o.atomic, usePolling),
    usePolling,
    interval,
    binaryInterval: positive(o, 'binaryInterval', 300),
    alwaysStat: bool(o, 'alwaysStat', false),
    ignorePermissionErrors: bool(o, 'ignorePermissionErrors', false),
    disableGlobbing: bool(o, 'disableGlobbing', false),
  };
  if (o.cwd !== undefined && o.cwd !== null) {
    if (typeof o.cwd !== 'string' || o.cwd === '') throw new TypeError('chokidar option "cwd" must be a non-empty string');
    resolved.cwd = path.resolve(o.cwd);
  }
  if (o.depth !== undefined && o.depth !== null) {
    const d = o.depth;
    if (typeof d !== 'number' || Number.isNaN(d) || d < 0) {
      throw new TypeError(`chokidar option "depth" must be a number >= 0, got ${String(d)}`);
    }
    if (Number.isFinite(d)) resolved.depth = Math.floor(d);
  }
  return resolved;
}

function bool(o: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`chokidar option "${key}" must be a boolean, got ${typeof v}`);
  return v;
}

function positive(o: Record<string, unknown>, key: string, dflt: number): number {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_MS) {
    throw new TypeError(`chokidar option "${key}" must be a number of ms above 0 and up to ${MAX_MS}, got ${String(v)}`);
  }
  return v;
}

function ignoredList(v: unknown): Matcher[] {
  if (v === undefined || v === null || v === false) return [];
  const list = (Array.isArray(v) ? v : [v]).flat(Infinity) as unknown[];
  for (const m of list) {
    const ok =
      typeof m === 'string' ||
      typeof m === 'function' ||
      m instanceof RegExp ||
      (typeof m === 'object' && m !== null && typeof (m as { path?: unknown }).path === 'string');
    if (!ok) {
      throw new TypeError(
        `chokidar option "ignored" must be a string, glob, RegExp, function, {path, recursive} or an array of them, got ${String(m)}`,
      );
    }
  }
  return list as Matcher[];
}

function awaitWriteFinish(v: unknown): false | AwaitWriteFinishOptions {
  if (v === undefined || v === null || v === false) return false;
  if (v === true) return { ...AWF_DEFAULTS };
  if (typeof v !== 'object') {
    throw new TypeError('chokidar option "awaitWriteFinish" must be a boolean or {stabilityThreshold, pollInterval}');
  }
  const a = v as Record<string, unknown>;
  const out = { ...AWF_DEFAULTS };
  for (const key of ['stabilityThreshold', 'pollInterval'] as const) {
    const n = a[key];
    if (n === undefined || n === null) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > MAX_MS) {
      throw new TypeError(`chokidar option "awaitWriteFinish.${key}" must be a number of ms from 0 to ${MAX_MS}, got ${String(n)}`);
    }
    out[key] = n;
  }
  // A zero poll interval would spin; chokidar's timers clamp it to 1 ms the same way.
  out.pollInterval = Math.max(1, out.pollInterval);
  return out;
}

function atomic(v: unknown, usePolling: boolean): false | number {
  if (v === undefined || v === null) return usePolling ? false : ATOMIC_DEFAULT_MS;
  if (v === true) return ATOMIC_DEFAULT_MS;
  if (v === false) return false;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_MS) return v > 0 ? v : false;
  throw new TypeError(`chokidar option "atomic" must be a boolean or a number of ms from 0 to ${MAX_MS}, got ${String(v)}`);
}
