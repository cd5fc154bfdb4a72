/**
 * @parcel/watcher's options, translated once: `ignore` entries are absolute or dir-relative paths
 * (that path and everything below it, pruned natively so ignored directories cost no watches), globs
 * and RegExps (matched in JS against the path relative to the watched directory, as parcel's native
 * matcher does). `backend` is accepted: 'brute-force' polls, every other name uses our native backend.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import { isUnder } from '../watch/filters.js';

export type BackendType = 'fs-events' | 'watchman' | 'inotify' | 'windows' | 'brute-force';
export interface Options {
  ignore?: Array<string | RegExp>;
  backend?: BackendType;
}

const BACKENDS = new Set<string>(['fs-events', 'watchman', 'inotify', 'windows', 'brute-force']);

export interface ResolvedParcelOptions {
  dir: string;
  /** Absolute paths ignored with everything below them. */
  ignorePaths: string[];
  /** True when a path (absolute) is ignored by a glob or RegExp (or lies below an ignored path). */
  isIgnored(abs: string): boolean;
  polling: boolean;
  /** A stable description, so unsubscribe() finds the subscription subscribe() made with equal options. */
  key: string;
}

export function resolveParcelOptions(fn: string, dir: unknown, opts: unknown): ResolvedParcelOptions {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`${fn}: the directory must be a non-empty string, got ${String(dir)}`);
  const abs = path.resolve(dir);
  if (opts !== undefined && opts !== null && typeof opts !== 'object') throw new TypeError(`${fn}: options must be an object`);
  const o = (opts ?? {}) as Options;
  if (o.backend !== undefined && !BACKENDS.has(o.backend)) {
    throw new TypeError(`${fn}: option "backend" must be one of ${[...BACKENDS].join(', ')}; got ${JSON.stringify(o.backend)}`);
  }
  if (o.ignore !== undefined && !Array.isArray(o.ignore)) throw new TypeError(`${fn}: option "ignore" must be an array of paths, globs or RegExps`);
  const ignorePaths: string[] = [];
  const matchers: Array<(rel: string) => boolean> = [];
  for (const value of o.ignore ?? []) {
    if (value instanceof RegExp) {
      // parcel refuses flags (its native matcher has none); a flagless RegExp is a substring test there too.
      if (value.flags !== '') throw new Error(`${fn}: RegExp ignore patterns must not have flags (got ${String(value)})`);
      matchers.push((rel) => value.test(rel));
    } else if (typeof value === 'string') {
      if (picomatch.scan(value).isGlob) matchers.push(picomatch(value, { dot: true }));
      else ignorePaths.push(path.resolve(abs, value));
    } else {
      throw new TypeError(`${fn}: option "ignore" holds ${typeof value}; expected paths, globs or RegExps`);
    }
  }
  const isIgnored = (p: string) => {
    for (const ip of ignorePaths) if (isUnder(ip, p)) return true;
    if (!matchers.length || p === abs || !isUnder(abs, p)) return false;
    const rel = path.relative(abs, p).split(path.sep).join('/');
    return matchers.some((m) => m(rel));
  };
  const key = JSON.stringify([abs, o.backend ?? null, (o.ignore ?? []).map((v) => (v instanceof RegExp ? `re:${v.source}` : `s:${v}`))]);
  return { dir: abs, ignorePaths, isIgnored, polling: o.backend === 'brute-force', key };
}
