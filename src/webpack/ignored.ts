/**
 * webpack's `watchOptions.ignored`, read the way watchpack reads it: a glob string, a RegExp, an array
 * of both, or a function of the absolute path. A glob ignores the paths it matches and everything below
 * them ("**\/node_modules" ignores every file inside node_modules too). Globs of the form "**\/name" and
 * "**\/name/**" are also handed to the native core, so such directories never cost a watch.
 */
import path from 'node:path';
import picomatch from 'picomatch';

export type WebpackIgnored = string | RegExp | ReadonlyArray<string | RegExp> | ((file: string) => boolean);

export interface CompiledIgnored {
  /** True when webpack asked not to watch this absolute path. */
  test(file: string): boolean;
  /** Directory names that may be pruned natively below recursive watches. */
  nativeNames: string[];
}

export function compileIgnored(ignored: unknown): CompiledIgnored {
  if (ignored === undefined || ignored === null || ignored === false) return { test: () => false, nativeNames: [] };
  if (typeof ignored === 'function') {
    const fn = ignored as (file: string) => boolean;
    return { test: (f) => Boolean(fn(f)), nativeNames: [] };
  }
  const list = Array.isArray(ignored) ? ignored : [ignored];
  const regexps: RegExp[] = [];
  const globs: Array<(p: string) => boolean> = [];
  const nativeNames: string[] = [];
  for (const item of list) {
    if (item instanceof RegExp) {
      regexps.push(item);
    } else if (typeof item === 'string') {
      if (item === '') continue;
      globs.push(picomatch(item, { dot: true }));
      const name = /^\*\*\/([^/*?[\]{}()!]+)(?:\/\*\*)?$/.exec(item)?.[1];
      if (name) nativeNames.push(name);
    } else {
      throw new TypeError(
        `watchOptions.ignored must be a glob string, a RegExp, an array of those, or a function; got ${describe(item)} in the array`,
      );
    }
  }
  if (!Array.isArray(ignored) && !(ignored instanceof RegExp) && typeof ignored !== 'string') {
    throw new TypeError(
      `watchOptions.ignored must be a glob string, a RegExp, an array of those, or a function; got ${describe(ignored)}`,
    );
  }
  const test = (file: string): boolean => {
    const unix = file.includes('\\') ? file.replace(/\\/g, '/') : file;
    if (regexps.some((r) => r.test(unix))) return true;
    if (globs.length === 0) return false;
    // watchpack anchors a glob as `^glob(?:$|/)`: it matches the path or one of its ancestors.
    for (let p = unix; ; ) {
      if (globs.some((g) => g(p))) return true;
      const up = path.posix.dirname(p);
      if (up === p) return false;
      p = up;
    }
  };
  return { test, nativeNames };
}

function describe(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? Object.prototype.toString.call(v) : `${typeof v} ${String(v)}`;
}
