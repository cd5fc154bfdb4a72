/**
 * The `ignored` option, with the semantics of both chokidar lines: a string is a path (ignoring what
 * lies below it, as chokidar 3's implicit "path/**" did) or a glob (chokidar 3, via picomatch); a RegExp
 * is tested on the path; a function gets (path) and then (path, stats); {path, recursive} is chokidar
 * 4's matcher object. Strings and globs are tried on both the chokidar spelling and the absolute path,
 * so "/abs/dist" ignores "dist/x" watched relatively (chokidar compared spellings and missed it).
 *
 * For speed, matchers that can be decided from a name are also handed to the native core, which then
 * never places a watch there. Those translations must ignore no more than the JS test does.
 */
import type { Stats } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { isUnder } from '../watch/filters.js';
import { isGlobPath, normalizeUserPath, toUnix } from './paths.js';
import type { Matcher, MatcherObject } from './types.js';

/** Editor swap and temp files chokidar drops when `atomic` is on. */
const ATOMIC_TEMP_RE = /\..*\.(sw[px])$|~$|\.subl.*\.tmp/;
const PM = { dot: true };

export interface IgnoreMatcher {
  /** True when the path is ignored by its name. `p` is the chokidar spelling, `abs` the absolute path. */
  byPath(p: string, abs: string): boolean;
  /** True when a function matcher ignores the path given its stats (the second call chokidar makes). */
  byStats(p: string, stats: Stats): boolean;
  /** Name globs the native core may prune below every root. `absoluteSpelling`: all roots are spelled absolute. */
  nativeGlobs(absoluteSpelling: boolean): string[];
  /** Absolute paths the native core may prune with everything below them. */
  readonly nativePaths: string[];
}

type Test = (p: string, abs: string) => boolean;

export function compileIgnored(
  matchers: readonly Matcher[],
  options: { cwd?: string; atomic: boolean; onError: (e: Error) => void },
): IgnoreMatcher {
  const tests: Test[] = [];
  const statTests: Array<(p: string, stats: Stats) => boolean> = [];
  const negations: Array<(p: string) => boolean> = [];
  const nativePaths: string[] = [];
  const nameGlobs: string[] = [];
  const nameGlobsIfAbsolute: string[] = [];
  const resolveString = (s: string) =>
    normalizeUserPath(options.cwd && !path.isAbsolute(s) ? path.join(options.cwd, s) : s);

  for (const m of matchers) {
    if (typeof m === 'string') {
      if (m.startsWith('!') && m.length > 1) {
        const neg = picomatch(resolveString(m.slice(1)), PM);
        negations.push(neg);
        continue;
      }
      const s = resolveString(m);
      if (isGlobPath(s)) {
        const isMatch = picomatch(s, PM);
        tests.push((p, abs) => s === p || isMatch(p) || isMatch(toUnix(abs)));
        const name = nameOfAnywhereGlob(s);
        if (name) nameGlobs.push(name);
      } else {
        const sAbs = path.resolve(s);
        tests.push((p, abs) => isUnder(s, p) || isUnder(sAbs, abs));
        nativePaths.push(sAbs);
      }
    } else if (m instanceof RegExp) {
      tests.push((p) => {
        m.lastIndex = 0;
        return m.test(p);
      });
      const t = regexTranslation(m);
      if (t) (t.needsAbsolute ? nameGlobsIfAbsolute : nameGlobs).push(t.glob);
    } else if (typeof m === 'function') {
      const call = (p: string, stats?: Stats) => {
        try {
          return stats === undefined ? !!m(p) : !!m(p, stats);
        } catch (error) {
          // A throwing predicate is the caller's bug: report it and keep watching the path.
          options.onError(error instanceof Error ? error : new Error(String(error)));
          return false;
        }
      };
      tests.push((p) => call(p));
      statTests.push(call);
    } else {
      const o = m as MatcherObject;
      const s = resolveString(o.path);
      const sAbs = path.resolve(s);
      tests.push((p, abs) =>
        o.recursive ? isUnder(s, p) || isUnder(sAbs, abs) : p === s || abs === sAbs,
      );
      if (o.recursive) nativePaths.push(sAbs);
    }
  }

  // A negation can bring back what another matcher ignores: then nothing is safe to prune natively.
  const prunable = negations.length === 0;
  return {
    byPath(p, abs) {
      if (options.atomic && ATOMIC_TEMP_RE.test(p)) return true;
      for (const neg of negations) if (neg(p)) return false;
      for (const t of tests) if (t(p, abs)) return true;
      return false;
    },
    byStats(p, stats) {
      for (const neg of negations) if (neg(p)) return false;
      for (const t of statTests) if (t(p, stats)) return true;
      return false;
    },
    nativeGlobs: (absoluteSpelling) =>
      prunable ? [...nameGlobs, ...(absoluteSpelling ? nameGlobsIfAbsolute : [])] : [],
    nativePaths: prunable ? nativePaths : [],
  };
}

/**
 * "**\/NAME", "**\/NAME/**" and "**\/NAME/**\/*" ignore every path with a component NAME once walking
 * prunes ignored directories: the native core's name globs do exactly that.
 */
function nameOfAnywhereGlob(glob: string): string | undefined {
  const m = /^\*\*\/([^/{}()!]+)(\/\*\*(\/\*)?)?$/.exec(glob);
  if (!m || m[1]!.includes('**')) return undefined;
  return m[1];
}

/** Dotfile regexes from chokidar's README and nodemon, and plain literals such as /node_modules/. */
function regexTranslation(re: RegExp): { glob: string; needsAbsolute: boolean } | undefined {
  const src = re.source;
  // Matches ".x" at the start or after a slash: every dot-named component, whatever the spelling.
  if (src === '(^|[\\/\\\\])\\..' || src === '(^|[/\\\\])\\..') return { glob: '.*', needsAbsolute: false };
  // nodemon's /[/\\]\./ needs a slash before the dot, which a relative root's first level lacks.
  if (src === '[/\\\\]\\.' || src === '[\\/\\\\]\\.') return { glob: '.*', needsAbsolute: true };
  // A literal such as /node_modules/ or /\.git/ matches every path holding a component of that name.
  if (/^(?:[\w-]|\\\.)+$/.test(src)) return { glob: src.replace(/\\\./g, '.'), needsAbsolute: false };
  return undefined;
}
