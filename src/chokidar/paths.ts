/**
 * Path spelling the way chokidar does it: forward slashes, normalized, a leading "./" dropped; events
 * report a path in the form the caller watched it (relative stays relative), or relative to `cwd`.
 */
import fs from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { compileGlobScope, type GlobScope } from './glob-scope.js';

/** Backslashes to slashes and repeated slashes collapsed, keeping a leading "//" (UNC paths). */
export function toUnix(p: string): string {
  const unc = p.replace(/\\/g, '/').startsWith('//');
  const s = p.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  return unc ? '/' + s : s;
}

/** chokidar's normalizePathToUnix: "./src//a/../b" -> "src/b". */
export function normalizeUserPath(p: string): string {
  return toUnix(path.normalize(toUnix(p)));
}

/** True when `p` holds glob syntax (chokidar 3 watched such paths as globs). */
export function isGlobPath(p: string): boolean {
  return picomatch.scan(p).isGlob;
}

/** One path given to watch() or add(), resolved. */
export interface Root {
  /** The directory or file actually watched, absolute. */
  abs: string;
  /** How chokidar spells it in events when there is no `cwd` (the caller's own form, normalized). */
  display: string;
  /** For a chokidar 3 glob path: which paths below `abs` it selects. */
  glob?: GlobScope;
}

/**
 * Turns a caller's path into a Root. A path with glob syntax is a glob (chokidar 3), unless it exists as
 * written (chokidar 4+ takes every path literally) or `disableGlobbing` is set.
 */
export function resolveRoot(input: string, cwd: string | undefined, disableGlobbing: boolean): Root {
  const unix = normalizeUserPath(input);
  const full = cwd && !path.isAbsolute(unix) ? toUnix(path.join(cwd, unix)) : unix;
  if (!disableGlobbing && isGlobPath(unix) && !fs.existsSync(path.resolve(full))) {
    const base = picomatch.scan(full).base || '.';
    // Matching is against the same spelling events use before `cwd` is applied: absolute with a cwd.
    return { abs: path.resolve(base), display: base, glob: compileGlobScope(full, base) };
  }
  return { abs: path.resolve(full), display: full };
}

/** The chokidar spelling of `abs`, a path at or below `root.abs`, before `cwd` is applied. */
export function displayPath(root: Root, abs: string): string {
  if (abs === root.abs) return root.display;
  return path.join(root.display, path.relative(root.abs, abs));
}

