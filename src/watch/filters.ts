/**
 * The filter, on the TypeScript side. The rule is the native core's (crates/core/src/filter.rs), applied
 * there before a watch is placed; this module translates the options for it and compiles the same rule
 * into one predicate for what runs without it: the JS poller, the watchman backend, snapshots, the
 * StatReloader, the CLI's predicates and the reloaders' watch lists. A test runs one table of cases through
 * both and requires the same answers (__test__/filter-parity.test.ts).
 *
 * The rule: a path is ignored when it is at or below an `ignorePaths` entry, or when a component below its
 * root is an ignored directory name, or matches a glob without a slash (default entries such as `*.swp`,
 * and user globs like `*.log`), or when the path of a component relative to the root matches a glob with a
 * slash (`src/gen/**`, `/build`). A trailing slash is dropped (`dist/` is the name glob `dist`).
 */
import path from 'node:path';
import { globSubject, globToRegExp } from './glob.js';
import type { Change } from './types.js';

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

/** True when `child` is `parent` or lies below it (both absolute, or both relative to one directory). */
export function isUnder(parent: string, child: string): boolean {
  if (child === parent) return true;
  return child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

/** What the native filter is given (NativeOptions' filter fields; ResolvedOptions has them all). */
export interface FilterRules {
  ignoreDirs: readonly string[];
  ignoreEntries: readonly string[];
  /** Absolute paths, ignored with everything below them wherever they are. */
  ignorePaths: readonly string[];
  ignore: readonly string[];
}

/**
 * True when `p` is ignored. `root`: the watched root `p` lies at or below; only components below it count
 * (watching inside node_modules on purpose works), and a path outside it is ignored only by `ignorePaths`.
 * Without `root`, every component of `p` counts (`p` may then be relative).
 */
export type IgnorePredicate = (p: string, root?: string) => boolean;

const NAME_MEMO = 10_000;

// Path components as Rust's Path splits them: on Windows both separators count.
const SEPARATORS = path.sep === '\\' ? /[\\/]/ : '/';

/** Compiles the rules into one predicate; a bad glob throws the WatchError (EINVAL) the watcher gives. */
export function compileFilter(rules: FilterRules): IgnorePredicate {
  const dirs = new Set(rules.ignoreDirs);
  const nameGlobs: RegExp[] = [];
  const pathGlobs: RegExp[] = [];
  for (const glob of [...rules.ignoreEntries, ...rules.ignore]) {
    const trimmed = glob.replace(/\/+$/, '');
    if (trimmed.includes('/')) pathGlobs.push(globToRegExp(trimmed.replace(/^\/+/, ''), glob));
    else nameGlobs.push(globToRegExp(trimmed, glob));
  }
  const matchName = anyOf(nameGlobs);
  const matchPath = anyOf(pathGlobs);
  const ignorePaths = [...rules.ignorePaths];
  // Directory names recur in every path below them: remember each name's verdict (a bounded memo).
  const names = new Map<string, boolean>();
  const nameIgnored = (name: string) => {
    let verdict = names.get(name);
    if (verdict === undefined) {
      verdict = dirs.has(name) || (matchName !== undefined && matchName.test(globSubject(name)));
      if (names.size >= NAME_MEMO) names.clear();
      names.set(name, verdict);
    }
    return verdict;
  };
  return (p, root) => {
    for (const x of ignorePaths) if (isUnder(x, p)) return true;
    if (root !== undefined && !isUnder(root, p)) return false;
    const rel = root === undefined ? p : p.slice(root.length);
    let relSoFar = '';
    for (const name of rel.split(SEPARATORS)) {
      if (name === '' || name === '.' || name === '..') continue;
      if (nameIgnored(name)) return true;
      relSoFar = relSoFar ? `${relSoFar}/${name}` : name;
      if (matchPath?.test(globSubject(relSoFar))) return true;
    }
    return false;
  };
}

/** One RegExp for a list of anchored ones (undefined for none: most lists of path globs are empty). */
function anyOf(regexps: RegExp[]): RegExp | undefined {
  if (!regexps.length) return undefined;
  return new RegExp(regexps.map((r) => r.source).join('|'), regexps[0]!.flags);
}

let defaults: IgnorePredicate | undefined;

/** The watcher's rule when no filter is given: the default directory names and editor temp files. */
export function ignoredByDefault(p: string, root?: string): boolean {
  defaults ??= compileFilter({ ignoreDirs: DEFAULT_IGNORE_DIRS, ignoreEntries: DEFAULT_IGNORE_ENTRIES, ignorePaths: [], ignore: [] });
  return defaults(p, root);
}

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
 * directories never cost a watch); `accepts()` applies the same rule in JS.
 */
export class DefaultFilter {
  static readonly ignoreDirs = DEFAULT_IGNORE_DIRS;
  static readonly ignoreEntityPatterns = DEFAULT_IGNORE_ENTRIES;

  readonly ignoreDirs: readonly string[];
  readonly ignoreEntityPatterns: readonly string[];
  readonly ignorePaths: readonly string[];
  private readonly ignored: IgnorePredicate;

  constructor(options: DefaultFilterOptions = {}) {
    this.ignoreDirs = checkStrings('ignoreDirs', options.ignoreDirs ?? DEFAULT_IGNORE_DIRS);
    this.ignoreEntityPatterns = checkStrings(
      'ignoreEntityPatterns',
      options.ignoreEntityPatterns ?? DEFAULT_IGNORE_ENTRIES,
    );
    this.ignorePaths = Object.freeze(checkStrings('ignorePaths', options.ignorePaths ?? []).map((p) => path.resolve(p)));
    this.ignored = compileFilter({
      ignoreDirs: this.ignoreDirs,
      ignoreEntries: this.ignoreEntityPatterns,
      ignorePaths: this.ignorePaths,
      ignore: [],
    });
  }

  /**
   * True when a change to `filePath` should be reported. Every component of `filePath` counts; the
   * watcher, given this filter, applies it only to the components below the root it watches.
   */
  accepts(_change: Change, filePath: string): boolean {
    return !this.ignored(filePath);
  }
}

function checkStrings(name: string, value: readonly string[]): readonly string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(`DefaultFilter: option "${name}" must be an array of strings`);
  }
  return Object.freeze([...value]);
}
