/**
 * The CLI's --filter, --ext and --ignore-paths, turned into the watcher's `filter` option. A DefaultFilter
 * is applied natively (ignored directories never cost a watch); a predicate runs in JS after the native
 * default ignores.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileFilter, DefaultFilter } from '../watch/filters.js';
import type { Change, WatchFilter, WatchOptions } from '../watch/types.js';
import { UsageError } from './usage-error.js';

/** JavaScript, TypeScript and JSON sources: the Node counterpart of Python's PythonFilter. */
export const JS_EXTENSIONS: readonly string[] = ['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '.json'];

export interface FilterChoice {
  filter: WatchOptions['filter'];
  /** How the start line names it. */
  description: string;
}

export function parseExtensions(value: string): string[] {
  const exts = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
  if (exts.length === 0) throw new UsageError(`--ext needs at least one extension, like --ext js,ts,json (got "${value}")`);
  return exts;
}

export async function buildFilter(
  name: string,
  ignorePaths: string[],
  extensions: string[] | undefined,
  cwd: string,
): Promise<FilterChoice> {
  const absIgnored = ignorePaths.map((p) => path.resolve(cwd, p));
  const underIgnored = underAny(absIgnored);
  const hasExt = (exts: readonly string[]) => (p: string) => exts.includes(path.extname(p).toLowerCase());
  const withExt = (base: WatchFilter, what: string): FilterChoice => {
    if (!extensions) return { filter: base, description: what };
    const ext = hasExt(extensions);
    return { filter: (c, p) => ext(p) && base(c, p), description: `${what}, ${extensions.join(' ')}` };
  };

  if (name === 'default') {
    if (!extensions) return { filter: new DefaultFilter({ ignorePaths: absIgnored }), description: 'default' };
    // The default ignore lists stay native (a function filter keeps them); the rest is checked in JS.
    return withExt((_c, p) => !underIgnored(p), 'default');
  }
  if (name === 'all') {
    if (ignorePaths.length) throw new UsageError('--ignore-paths has no effect with --filter all; drop one of them');
    return extensions ? withExt(() => true, 'all') : { filter: null, description: 'all' };
  }
  if (name === 'js') {
    const js = hasExt(JS_EXTENSIONS);
    return withExt((_c, p) => js(p) && !underIgnored(p), 'js');
  }
  return withExt(await importFilter(name, absIgnored, cwd), name);
}

/** True for a path at or below one of `dirs` (--ignore-paths): the watcher's rule for `ignorePaths`. */
const underAny = (dirs: readonly string[]): ((p: string) => boolean) =>
  compileFilter({ ignoreDirs: [], ignoreEntries: [], ignorePaths: dirs, ignore: [] });

/** `path/to/filter.mjs:exportName`: a (change, path) => boolean, a DefaultFilter instance, or a DefaultFilter subclass. */
async function importFilter(spec: string, ignorePaths: string[], cwd: string): Promise<WatchFilter> {
  const underIgnored = underAny(ignorePaths);
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(spec);
  if (!match) {
    throw new UsageError(`--filter must be default, all, js or "path/to/module.mjs:exportName", got "${spec}"`);
  }
  const [, file, exportName] = match as unknown as [string, string, string];
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(cwd, file)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--filter: cannot import ${file}: ${(error as Error).message}`);
  }
  const value = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
  if (value instanceof DefaultFilter || isDefaultFilterLike(value)) {
    const f = value as DefaultFilter;
    return (c: Change, p: string) => f.accepts(c, p) && !underIgnored(p);
  }
  if (typeof value === 'function' && isDefaultFilterClass(value)) {
    const Cls = value as new (o: { ignorePaths: string[] }) => DefaultFilter;
    const instance = new Cls({ ignorePaths });
    return (c: Change, p: string) => instance.accepts(c, p);
  }
  if (typeof value === 'function') {
    const fn = value as WatchFilter;
    return (c: Change, p: string) => !underIgnored(p) && fn(c, p);
  }
  throw new UsageError(`--filter: ${file} has no exported function or DefaultFilter named "${exportName}"`);
}

// The filter module may import its own copy of watchfiles-node: recognise DefaultFilter by shape, not identity.
function isDefaultFilterLike(value: unknown): boolean {
  return !!value && typeof value === 'object' && typeof (value as DefaultFilter).accepts === 'function';
}

function isDefaultFilterClass(value: unknown): boolean {
  return typeof value === 'function' && typeof (value as { prototype?: DefaultFilter }).prototype?.accepts === 'function';
}
