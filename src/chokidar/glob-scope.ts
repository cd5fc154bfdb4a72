/**
 * chokidar 3 glob paths ("src/**\/*.js"): the glob's static base is watched, and a path below it is
 * reported only when it matches the glob; a directory is walked only when matches may lie below it.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import { isUnder } from '../watch/filters.js';

export interface GlobScope {
  /** The whole glob, in event spelling (see Root.display). */
  readonly pattern: string;
  /** True when the path (event spelling) matches the glob. */
  matches(p: string): boolean;
  /** True when a directory (event spelling) may contain matches, so it must be walked and watched. */
  mayContain(dir: string): boolean;
}

const PM = { dot: true };

export function compileGlobScope(pattern: string, base: string): GlobScope {
  const isMatch = picomatch(pattern, PM);
  const rest = picomatch.scan(pattern).glob;
  // Braces and extglobs can hide slashes: walk everything below the base rather than guess.
  const segmentable = !/[{}()]/.test(rest);
  const segments = rest.split('/').map((g) => ({ glob: g, match: g.includes('**') ? null : picomatch(g, PM) }));
  return {
    pattern,
    matches: (p) => isMatch(p),
    mayContain(dir) {
      if (!segmentable) return true;
      if (!isUnder(base, dir)) return false;
      const rel = path.relative(base, dir);
      if (rel === '') return true;
      const parts = rel.split(path.sep);
      for (let i = 0; i < parts.length; i++) {
        const seg = segments[i];
        if (!seg) return false;
        if (!seg.match) return true;
        if (!seg.match(parts[i]!)) return false;
      }
      // Entries of this directory sit one level deeper: the glob must still have a segment for them.
      return parts.length < segments.length;
    },
  };
}

/**
 * Several chokidar 3 globs on one base ("d/change*", "d/unlink*") share one root: a path is reported
 * when any of them matches it, and a directory is walked when any of them may match below it.
 */
export function unionGlobScope(a: GlobScope, b: GlobScope): GlobScope {
  return {
    pattern: `${a.pattern}\u0001${b.pattern}`,
    matches: (p) => a.matches(p) || b.matches(p),
    mayContain: (dir) => a.mayContain(dir) || b.mayContain(dir),
  };
}
