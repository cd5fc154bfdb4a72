/**
 * The default ignore lists and DefaultFilter. The native core applies the same lists before it places a
 * watch (crates/core/src/filter.rs); a test checks the two copies agree.
 */
import path from 'node:path';
import picomatch from 'picomatch';
import { Change } from './types.js';

/** Directory names never watched by default: VCS metadata, dependency trees, caches, build output. */
export const DEFAULT_IGNORE_DIRS: readonly string[] = Object.freeze([
  '.git', '.hg', '.svn', 'node_modules', '.cache', '.parcel-cache', '.turbo', '.next', '.nuxt',
  '.svelte-kit', 'coverage', '.nyc_output', '__pycache__', '.venv', '.tox', '.mypy_cache',
  '.pytest_cache', '.idea',
]);

/** Basename globs of editor temp files, ignored by default. */
export const DEFAULT_IGNORE_ENTRIES: readonly string[] = Object.freeze([
  '*.swp', '*.swx', '*~', '.#*', '4913', '.DS_Store', '*___jb_tmp___', '*___jb_old___',
]);

export interface DefaultFilterOptions {
  /** Directory names to ignore anywhere in the tree (replaces DEFAULT_IGNORE_DIRS). */
  ignoreDirs?: readonly string[];
  /** Basename globs to ignore (replaces DEFAULT_IGNORE_ENTRIES). */
  ignoreEntityPatterns?: readonly string[];
  /** Absolute paths to ignore, with everything below them. */
  ignorePaths?: readonly string[];
}

/**
 * The filter used when none is given. Passed as `filter`, its lists are applied natively (so ignored
 * directories never cost a watch); `accepts()` applies the same rule in JS for the polling fallback.
 */
export class DefaultFilter {
  static readonly ignoreDirs = DEFAULT_IGNORE_DIRS;
  static readonly ignoreEntityPatterns = DEFAULT_IGNORE_ENTRIES;

  readonly ignoreDirs: readonly string[];
  readonly ignoreEntityPatterns: readonly string[];
  readonly ignorePaths: readonly string[];
  private readonly dirSet: Set<string>;
  private readonly entityMatch: (basename: string) => boolean;

  constructor(options: DefaultFilterOptions = {}) {
    this.ignoreDirs = checkStrings('ignoreDirs', options.ignoreDirs ?? DEFAULT_IGNORE_DIRS);
    this.ignoreEntityPatterns = checkStrings(
      'ignoreEntityPatterns',
      options.ignoreEntityPatterns ?? DEFAULT_IGNORE_ENTRIES,
    );
    this.ignorePaths = checkStrings('ignorePaths', options.ignorePaths ?? []).map((p) => path.resolve(p));
    this.dirSet = new Set(this.ignoreDirs);
    this.entityMatch = this.ignoreEntityPatterns.length
      ? picomatch(this.ignoreEntityPatterns as string[], { dot: true })
      : () => false;
  }

  /** True when a change to `filePath` should be reported. */
  accepts(_change: Change, filePath: string): boolean {
    const parts = filePath.split(path.sep);
    for (const part of parts) if (this.dirSet.has(part)) return false;
    if (this.entityMatch(parts[parts.length - 1] ?? '')) return false;
    for (const p of this.ignorePaths) {
      if (filePath === p || filePath.startsWith(p + path.sep)) return false;
    }
    return true;
  }
}

function checkStrings(name: string, value: readonly string[]): readonly string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(`DefaultFilter: option "${name}" must be an array of strings`);
  }
  return Object.freeze([...value]);
}

/**
 * Compiles `ignore` globs into a predicate over (absolute path, its root), with .gitignore-like rules that
 * the native core shares: a glob without a slash matches the name of any path component (`*.log`,
 * `dist`); a glob with a slash matches the path relative to the root (`src/gen/**`, `build/cache`). A
 * match on a directory ignores everything below it.
 */
export function compileIgnoreGlobs(globs: readonly string[]): (absPath: string, root: string) => boolean {
  const nameGlobs = globs.filter((g) => !g.replace(/\/+$/, '').includes('/'));
  const pathGlobs = globs.filter((g) => g.replace(/\/+$/, '').includes('/')).map((g) => g.replace(/^\//, ''));
  const matchName = nameGlobs.length ? picomatch(nameGlobs.map((g) => g.replace(/\/+$/, '')), { dot: true }) : null;
  const matchPath = pathGlobs.length ? picomatch(pathGlobs.map((g) => g.replace(/\/+$/, '')), { dot: true }) : null;
  if (!matchName && !matchPath) return () => false;
  return (absPath, root) => {
    const rel = path.relative(root, absPath).split(path.sep).join('/');
    if (!rel || rel.startsWith('../') || rel === '..') return false;
    const segments = rel.split('/');
    for (let i = 0; i < segments.length; i++) {
      if (matchName && matchName(segments[i]!)) return true;
      if (matchPath && matchPath(segments.slice(0, i + 1).join('/'))) return true;
    }
    return false;
  };
}
