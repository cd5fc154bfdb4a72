/**
 * One table of filter cases, each answered by the native filter (crates/core/src/filter.rs, through the
 * binding's filterIgnores) and by the TypeScript predicate the fallbacks use (src/watch/filters.ts). Both
 * must give the answer the table states: the native filter is the rule, and the fallbacks follow it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileIgnored } from '../src/chokidar/ignored.js';
import { loadNative } from '../src/watch/addon.js';
import { nativeOptions } from '../src/watch/backends/native.js';
import { compileFilter, DefaultFilter, ignoredByDefault, isUnder } from '../src/watch/filters.js';
import { resolveOptions } from '../src/watch/options.js';
import type { WatchOptions } from '../src/watch/types.js';
import { removeDir, tempDir, write } from './helpers/fs.js';

const ROOT = path.resolve('/r');

interface Case {
  /** `ignore` globs (the default ignore lists apply unless `filter` says otherwise). */
  ignore?: string[];
  filter?: WatchOptions['filter'];
  root?: string;
  /** Relative to the root, `/`-separated; or absolute. */
  path: string;
  dir?: boolean;
  ignored: boolean;
}

const none = null;
const cases: Case[] = [
  // The default lists: directory names and editor temp files, on any component below the root.
  { path: 'node_modules', dir: true, ignored: true },
  { path: 'a/node_modules/x.js', ignored: true },
  { path: 'src/index.js', ignored: false },
  { path: '.git/HEAD', ignored: true },
  { path: 'a/.git', dir: true, ignored: true },
  { path: '.gitignore', ignored: false },
  { path: '.github/workflows/ci.yml', ignored: false },
  { path: 'a/.x.swp', ignored: true },
  { path: 'a/x.swx', ignored: true },
  { path: 'x~', ignored: true },
  { path: 'backup~/b.js', ignored: true },
  { path: '.#file.js', ignored: true },
  { path: '4913', ignored: true },
  { path: 'a/49130', ignored: false },
  { path: 'a/.DS_Store', ignored: true },
  { path: 'a.js___jb_tmp___', ignored: true },
  { path: 'a.js___jb_old___', ignored: true },
  { path: 'coverage/lcov.info', ignored: true },
  { path: 'src/coverage.js', ignored: false },
  { path: '__pycache__/m.pyc', ignored: true },
  { path: '.venv', dir: true, ignored: true },
  { path: '.idea/workspace.xml', ignored: true },
  { path: '.vscode/settings.json', ignored: false },
  { path: 'node_modules2/x.js', ignored: false },
  { path: 'NODE_MODULES/x.js', ignored: false },
  { path: 'node_modules', dir: false, ignored: true },
  // Only components below the root count: a root inside node_modules is watched; a path outside the root is
  // not the filter's to judge.
  { root: '/x/node_modules/pkg', path: 'a.js', ignored: false },
  { root: '/x/node_modules/pkg', path: 'lib/.git/config', ignored: true },
  { path: '/elsewhere/node_modules/x.js', ignored: false },
  { path: '', dir: true, ignored: false },
  // filter: null drops the default lists; a DefaultFilter replaces them.
  { filter: none, path: 'node_modules/x.js', ignored: false },
  { filter: none, path: 'a.swp', ignored: false },
  { filter: new DefaultFilter({ ignoreDirs: ['build'] }), path: 'build/x.js', ignored: true },
  { filter: new DefaultFilter({ ignoreDirs: ['build'] }), path: 'node_modules/x.js', ignored: false },
  { filter: new DefaultFilter({ ignoreEntityPatterns: ['*.tmp'] }), path: 'a.swp', ignored: false },
  { filter: new DefaultFilter({ ignoreEntityPatterns: ['*.tmp'] }), path: 'x/y.tmp', ignored: true },
  { filter: new DefaultFilter({ ignorePaths: ['/r/gen'] }), path: 'gen', dir: true, ignored: true },
  { filter: new DefaultFilter({ ignorePaths: ['/r/gen'] }), path: 'gen/a/b.ts', ignored: true },
  { filter: new DefaultFilter({ ignorePaths: ['/r/gen'] }), path: 'generated/a.ts', ignored: false },
  { filter: new DefaultFilter({ ignorePaths: ['/elsewhere'] }), path: '/elsewhere/x', ignored: true },
  // A glob without a slash matches any component's name.
  { ignore: ['*.log'], path: 'deep/a.log', ignored: true },
  { ignore: ['*.log'], path: 'a.log.txt', ignored: false },
  { ignore: ['*.log'], path: 'x.log/y.js', ignored: true },
  { ignore: ['*.log'], path: '.log', ignored: true },
  { ignore: ['dist'], path: 'dist/a.js', ignored: true },
  { ignore: ['dist'], path: 'src/dist', dir: true, ignored: true },
  { ignore: ['dist'], path: 'dist.js', ignored: false },
  { ignore: ['dist/'], path: 'src/dist/x.js', ignored: true },
  { ignore: ['?.js'], path: 'a.js', ignored: true },
  { ignore: ['?.js'], path: 'ab.js', ignored: false },
  // globset matches bytes: `?` is one byte of the UTF-8 name.
  { ignore: ['?.txt'], path: 'é.txt', ignored: false },
  { ignore: ['??.txt'], path: 'é.txt', ignored: true },
  { ignore: ['é*'], path: 'ébauche.md', ignored: true },
  { ignore: ['[é]x'], path: 'éx', ignored: false },
  { ignore: ['日本/*'], path: '日本/a.txt', ignored: true },
  { ignore: ['.*'], path: 'a/.hidden/x.js', ignored: true },
  { ignore: ['.*'], path: 'env', ignored: false },
  { ignore: ['*.LOG'], path: 'a.log', ignored: false },
  { ignore: ['*'], path: 'anything.js', ignored: true },
  { ignore: ['**'], path: 'a/b.js', ignored: true },
  { ignore: ['a**b'], path: 'axxb', ignored: true },
  { ignore: ['a**b'], path: 'ab', ignored: true },
  { ignore: ['my file.txt'], path: 'docs/my file.txt', ignored: true },
  { ignore: ['a.b'], path: 'axb', ignored: false },
  { ignore: ['$x^'], path: '$x^', ignored: true },
  // With a slash: the path relative to the root (and each ancestor of it); a leading slash changes nothing.
  { ignore: ['/dist'], path: 'dist/x.js', ignored: true },
  { ignore: ['/dist'], path: 'src/dist/x.js', ignored: false },
  { ignore: ['dist/**'], path: 'dist/a.js', ignored: true },
  { ignore: ['dist/**'], path: 'dist/a/b.js', ignored: true },
  { ignore: ['dist/**'], path: 'dist', dir: true, ignored: false },
  { ignore: ['dist/**'], path: 'src/dist/a.js', ignored: false },
  { ignore: ['build/cache'], path: 'build/cache/x/y', ignored: true },
  { ignore: ['build/cache'], path: 'src/build/cache', dir: true, ignored: false },
  { ignore: ['build/cache'], path: 'build/cachex', ignored: false },
  { ignore: ['build/cache/'], path: 'build/cache', dir: true, ignored: true },
  { ignore: ['src/*.gen.ts'], path: 'src/a.gen.ts', ignored: true },
  { ignore: ['src/*.gen.ts'], path: 'src/sub/a.gen.ts', ignored: false },
  { ignore: ['src/**/*.gen.ts'], path: 'src/a.gen.ts', ignored: true },
  { ignore: ['src/**/*.gen.ts'], path: 'src/sub/deep/a.gen.ts', ignored: true },
  { ignore: ['src/**/gen'], path: 'src/a/b/gen/x.ts', ignored: true },
  { ignore: ['**/temp'], path: 'temp', dir: true, ignored: true },
  { ignore: ['**/temp'], path: 'a/b/temp/x', ignored: true },
  { ignore: ['**/temp'], path: 'a/temporary', ignored: false },
  { ignore: ['**/*.map'], path: 'a/b.js.map', ignored: true },
  { ignore: ['src/**'], path: 'src', dir: true, ignored: false },
  { ignore: ['src/**'], path: 'src/.env', ignored: true },
  { ignore: ['sub/[ab]/*.js'], path: 'sub/a/x.js', ignored: true },
  { ignore: ['sub/[ab]/*.js'], path: 'sub/c/x.js', ignored: false },
  { ignore: ['a/*/c'], path: 'a/b/c', ignored: true },
  { ignore: ['a/*/c'], path: 'a/b/x/c', ignored: false },
  { filter: none, ignore: ['**/node_modules/**'], path: 'a/node_modules/x.js', ignored: true },
  { filter: none, ignore: ['**/node_modules/**'], path: 'a/node_modules', dir: true, ignored: false },
  // Character classes, braces, escapes: globset's syntax, where picomatch's differs.
  { ignore: ['[abc].txt'], path: 'b.txt', ignored: true },
  { ignore: ['[abc].txt'], path: 'd.txt', ignored: false },
  { ignore: ['[!abc].txt'], path: 'd.txt', ignored: true },
  { ignore: ['[!abc].txt'], path: 'a.txt', ignored: false },
  { ignore: ['[^abc].txt'], path: 'd.txt', ignored: true },
  { ignore: ['[a-c]x'], path: 'bx', ignored: true },
  { ignore: ['[a-c]x'], path: 'dx', ignored: false },
  { ignore: ['[]]x'], path: ']x', ignored: true },
  { ignore: ['[a-]x'], path: '-x', ignored: true },
  { ignore: ['[[:alpha:]]'], path: 'a', ignored: false },
  { ignore: ['[*]x'], path: '*x', ignored: true },
  { ignore: ['[*]x'], path: 'ax', ignored: false },
  { ignore: ['{foo,bar}.js'], path: 'foo.js', ignored: true },
  { ignore: ['{foo,bar}.js'], path: 'baz.js', ignored: false },
  { ignore: ['*.{js,ts}'], path: 'a.ts', ignored: true },
  { ignore: ['*.{js,ts}'], path: 'a.tsx', ignored: false },
  { ignore: ['{a}.js'], path: 'a.js', ignored: true },
  { ignore: ['a{,b}.js'], path: 'a.js', ignored: false },
  { ignore: ['a{,b}.js'], path: 'ab.js', ignored: true },
  { ignore: ['x{a,{b,c}}'], path: 'xc', ignored: true },
  { ignore: ['file{1..3}.txt'], path: 'file2.txt', ignored: false },
  { ignore: ['file{1..3}.txt'], path: 'file1..3.txt', ignored: true },
  { ignore: ['{src,lib}/gen/**'], path: 'lib/gen/a.js', ignored: true },
  { ignore: ['{**/gen,out}'], path: 'a/b/gen/x.js', ignored: true },
  { ignore: ['x/{**/y,z}'], path: 'x/y', ignored: true },
  { ignore: ['x/{**/y,z}'], path: 'x/k/y', ignored: true },
  { ignore: ['{}'], path: 'a', ignored: false },
  { ignore: ['/'], path: 'a', ignored: false },
  { ignore: ['(copy)*'], path: '(copy) a.txt', ignored: true },
  { ignore: ['(copy)*'], path: 'copy a.txt', ignored: false },
  { ignore: ['* (copy).*'], path: 'x (copy).txt', ignored: true },
  { ignore: ['foo+(bar)'], path: 'foo+(bar)', ignored: true },
  { ignore: ['foo+(bar)'], path: 'foobar', ignored: false },
  { ignore: ['@(a|b).js'], path: 'a.js', ignored: false },
  { ignore: ['!keep.js'], path: '!keep.js', ignored: true },
  { ignore: ['!keep.js'], path: 'other.js', ignored: false },
  { ignore: ['\\*.js'], path: '*.js', ignored: true },
  { ignore: ['\\*.js'], path: 'a.js', ignored: false },
  { ignore: ['a\\b'], path: 'ab', ignored: true },
  // Bytes, not characters, in classes too: `[é]` is one of é's two bytes, `[!a]` any one byte but `a`.
  { ignore: ['[é]?'], path: 'é', ignored: true },
  { ignore: ['[!a]'], path: 'é', ignored: false },
  { ignore: ['[!a]?'], path: 'é', ignored: true },
  { ignore: ['????'], path: '😀', ignored: true },
  // `**` as a whole component (also in braces) or as a plain `*`.
  { ignore: ['a/**/**/b'], path: 'a/b', ignored: true },
  { ignore: ['x/**/**'], path: 'x', dir: true, ignored: false },
  { ignore: ['x/{a/**,b}/c'], path: 'x/a/k/c', ignored: true },
  { ignore: ['x/{a/**,b}/c'], path: 'x/a/c', ignored: false },
  { ignore: ['x/{a/**,b}/c'], path: 'x/a/k/l/c', ignored: true },
  { ignore: ['a{**/b}'], path: 'ax/y/b', ignored: true },
  { ignore: ['y/{**,x}/z'], path: 'y/a/z', ignored: true },
  { ignore: ['y/{**,x}/z'], path: 'y/a/b/z', ignored: false },
  { ignore: ['{}**/x'], path: 'x', ignored: false },
  { ignore: ['{}**/x'], path: 'a/x', ignored: true },
  { ignore: ['a/***/b'], path: 'a/x/y/b', ignored: false },
  { ignore: ['{{},a}b'], path: 'b', ignored: false },
  { ignore: ['a/**'], path: 'a/b\nc', ignored: true },
  // Classes: a `-x` after a range moves its end; unlike `?`, a class may match `/`; `\` is literal in one.
  { ignore: ['[a-c-b]'], path: 'b', ignored: true },
  { ignore: ['[a-c-b]'], path: 'c', ignored: false },
  { ignore: ['x/a?b'], path: 'x/a/b', ignored: false },
  { ignore: ['x/a[!x]b'], path: 'x/a/b', ignored: true },
  { ignore: ['x/a[.-0]b'], path: 'x/a/b', ignored: true },
  { ignore: ['x/a[!/]b'], path: 'x/a/b', ignored: false },
  { ignore: ['[\\-a]'], path: '\\', ignored: true },
  { ignore: ['[\\-a]'], path: '-', ignored: false },
  { ignore: ['[!!]'], path: '!', ignored: false },
  // Escapes: `\\` is a backslash; an escaped `/` is a separator; an escaped `,` or `{` before a whole-component
  // `**` in a group is read as a `/` by the native filter.
  { ignore: ['\\\\'], path: '\\', ignored: true },
  { ignore: ['a\\/**'], path: 'a/b/c', ignored: true },
  { ignore: ['x\\{**/y'], path: 'x{a/y', ignored: true },
  { ignore: ['y/{a\\,**}/z'], path: 'y/a/b/z', ignored: true },
  { ignore: ['y/{a\\,**}/z'], path: 'y/a,b/z', ignored: false },
  { ignore: ['y/{a\\,**b}/z'], path: 'y/a,xb/z', ignored: true },
  // Several globs at once, and globs beside the default lists.
  { ignore: ['*.log', 'tmp/', '/out/**'], path: 'x/tmp/a', ignored: true },
  { ignore: ['*.log', 'tmp/', '/out/**'], path: 'out/a.js', ignored: true },
  { ignore: ['*.log', 'tmp/', '/out/**'], path: 'src/out/a.js', ignored: false },
  { ignore: ['*.log'], path: 'node_modules/a.js', ignored: true },
];

const binding = loadNative();

function verdicts(c: Case): { native: boolean; ts: boolean } {
  const root = path.resolve(c.root ?? ROOT);
  const options: WatchOptions = {};
  if (c.ignore) options.ignore = c.ignore;
  if ('filter' in c) options.filter = c.filter;
  const resolved = resolveOptions(root, options);
  const abs = path.isAbsolute(c.path) ? path.resolve(c.path) : path.join(root, ...c.path.split('/'));
  return {
    native: binding!.filterIgnores(nativeOptions(resolved), root, abs, c.dir ?? false),
    ts: compileFilter(resolved)(abs, root),
  };
}

const label = (c: Case) =>
  `${c.ignore ? JSON.stringify(c.ignore) : ''}${'filter' in c ? ` filter ${c.filter === null ? 'null' : 'DefaultFilter'}` : ''}` +
  `${c.root ? ` root ${c.root}` : ''} ${JSON.stringify(c.path)}${c.dir ? ' (dir)' : ''} -> ${c.ignored ? 'ignored' : 'kept'}`;

describe('one filter: native and TypeScript agree', () => {
  it('the table is large enough to mean something', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(binding).toBeDefined();
  });

  it.each(cases.map((c) => [label(c), c] as const))('%s', (_label, c) => {
    expect(verdicts(c)).toEqual({ native: c.ignored, ts: c.ignored });
  });

  it.each(['a[', '[]', '[!]', '{a', 'a}', 'x{a,{b}', '[z-a]', 'a\\', '[ê-é]', '[c-d-b]', '[a--]', 'a[/', '/{a'])('rejects the bad glob %j the same way', (glob) => {
    const resolved = resolveOptions(ROOT, { ignore: [glob] });
    const fromNative = catchError(() => binding!.filterIgnores(nativeOptions(resolved), ROOT, `${ROOT}/x`, false));
    const fromTs = catchError(() => compileFilter(resolved));
    expect(fromTs).toMatchObject({ code: 'EINVAL', message: fromNative?.message });
    expect(fromNative).toMatchObject({ code: 'EINVAL' });
    expect(fromNative!.message).toContain(JSON.stringify(glob));
  });
});

describe('native and TypeScript agree on seeded random globs', () => {
  // Globs drawn from the syntax's characters against paths drawn from the same: beyond the table, every
  // answer and every error must be the same on both sides. Seeded, so a failure reproduces.
  it('2000 globs, 25 paths each', () => {
    let seed = 1;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 16) % n);
    const pick = (parts: string[]) => parts[random(parts.length)]!;
    const GLOB = ['a', 'b', 'a/', '/', '*', '**', '/**/', '?', '[', ']', '!', '-', '{', '}', ',', '\\', '\\,', 'é', '[!a]'];
    const PATH = ['a', 'b', 'a/', '/', '/', '-', ',', 'é', '{', '[', ']', '!', '\\', '^'];
    const disagreements: string[] = [];
    let ignoredCount = 0;
    for (let k = 0; k < 2000; k++) {
      const parts = Array.from({ length: 1 + random(8) }, () => pick(GLOB));
      const glob = parts.join('');
      const resolved = resolveOptions(ROOT, { ignore: [glob], filter: null });
      const native = (abs: string) => binding!.filterIgnores(nativeOptions(resolved), ROOT, abs, false);
      const nativeError = catchError(() => native(`${ROOT}/x`))?.message;
      let ts: ReturnType<typeof compileFilter> | undefined;
      const tsError = catchError(() => (ts = compileFilter(resolved)))?.message;
      if (nativeError !== tsError) disagreements.push(`${JSON.stringify(glob)}: ${nativeError} / ${tsError}`);
      if (nativeError || tsError) continue;
      for (let m = 0; m < 25; m++) {
        // Half of each path follows the glob's own text, so that paths come close to matching.
        const near = parts.map((part) => (random(2) ? part.replace(/\\/g, '') : pick(PATH)));
        const rel = near.join('').split('/').filter((x) => x && x !== '.' && x !== '..');
        if (!rel.length) continue;
        const abs = path.join(ROOT, ...rel);
        const verdict = native(abs);
        if (verdict) ignoredCount++;
        if (ts!(abs, ROOT) !== verdict) disagreements.push(`${JSON.stringify(glob)} ${JSON.stringify(rel.join('/'))}: native ${verdict}`);
      }
    }
    expect(disagreements).toEqual([]);
    // The draw is worth something only if it ignores a fair share of paths.
    expect(ignoredCount).toBeGreaterThan(1000);
  });
});

describe("the chokidar facade's translation of `ignored` into native rules", () => {
  // What the facade hands the native filter must ignore no more than chokidar's own test of `ignored` does,
  // on the path or on a directory above it (the facade's walk never enters an ignored directory).
  const matchers = ['**/node_modules', '**/*.log', '**/.cache/**', /(^|[\/\\])\../, /vendor/, path.join(ROOT, 'dist'), { path: path.join(ROOT, 'tmp'), recursive: true }];
  const paths = [
    'node_modules', 'a/node_modules/x.js', 'x.log', 'a/b.log', 'a/b.log.txt', '.cache', '.cache/x', 'a/.env', '.git/HEAD',
    'vendor/x.js', 'a/vendored', 'dist', 'dist/a.js', 'distx', 'tmp/a', 'src/tmp/a', 'src/index.js',
  ];
  const ignored = compileIgnored(matchers, { atomic: false, onError: (e) => { throw e; } });
  const options = resolveOptions(ROOT, {
    filter: new DefaultFilter({ ignoreDirs: [], ignoreEntityPatterns: [], ignorePaths: ignored.nativePaths }),
    ignore: ignored.nativeGlobs(true),
  });

  it.each(paths)('%s', (rel) => {
    const abs = path.join(ROOT, ...rel.split('/'));
    const native = binding!.filterIgnores(nativeOptions(options), ROOT, abs, false);
    const ancestors = rel.split('/').map((_, i, parts) => path.join(ROOT, ...parts.slice(0, i + 1)));
    if (native) expect(ancestors.some((p) => ignored.byPath(p, p))).toBe(true);
    expect(compileFilter(options)(abs, ROOT)).toBe(native);
  });

  it('prunes natively what it can decide from a name or a path', () => {
    const pruned = paths.filter((rel) => binding!.filterIgnores(nativeOptions(options), ROOT, path.join(ROOT, ...rel.split('/')), false));
    expect(pruned).toEqual(expect.arrayContaining(['node_modules', 'a/b.log', 'a/.env', 'vendor/x.js', 'dist/a.js', 'tmp/a']));
  });
});

describe('isUnder and the default rule', () => {
  it('isUnder is "the same path or below it", never a sibling sharing a prefix', () => {
    expect(isUnder('/a/b', '/a/b')).toBe(true);
    expect(isUnder('/a/b', '/a/b/c/d')).toBe(true);
    expect(isUnder('/a/b', '/a/bc')).toBe(false);
    expect(isUnder('/a/b', '/a')).toBe(false);
    expect(isUnder('/', '/a')).toBe(true);
  });

  it('ignoredByDefault and DefaultFilter.accepts give the default rule over every component', () => {
    expect(ignoredByDefault('a/node_modules/x.js')).toBe(true);
    expect(ignoredByDefault('/x/node_modules/pkg/a.js', '/x/node_modules/pkg')).toBe(false);
    expect(ignoredByDefault('backup~/b.js')).toBe(true);
    expect(new DefaultFilter().accepts(2, '/p/src/a.js')).toBe(true);
    expect(new DefaultFilter().accepts(2, '/p/src/.a.js.swp')).toBe(false);
    expect(new DefaultFilter({ ignorePaths: ['/p/gen'] }).accepts(2, '/p/gen/a.js')).toBe(false);
    expect(() => new DefaultFilter({ ignoreEntityPatterns: ['a['] })).toThrow(/invalid ignore glob "a\["/);
  });
});

describe('filterIgnores reads .gitignore files as the watcher does', () => {
  it('honours the rules of the root and of the directories down to the path', () => {
    const dir = tempDir();
    try {
      write(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      write(path.join(dir, '.gitignore'), '*.gen.js\n');
      write(path.join(dir, 'sub', '.gitignore'), 'local/\n!keep.gen.js\n');
      const options = nativeOptions(resolveOptions(dir, { gitignore: true }));
      const ignores = (rel: string, isDir = false) => binding!.filterIgnores(options, dir, path.join(dir, rel), isDir);
      expect(ignores('a.gen.js')).toBe(true);
      expect(ignores('a.js')).toBe(false);
      expect(ignores('sub/local', true)).toBe(true);
      expect(ignores('sub/keep.gen.js')).toBe(false);
      expect(ignores('sub/x.gen.js')).toBe(true);
      const without = nativeOptions(resolveOptions(dir, {}));
      expect(binding!.filterIgnores(without, dir, path.join(dir, 'a.gen.js'), false)).toBe(false);
    } finally {
      removeDir(dir);
    }
  });
});

function catchError(fn: () => unknown): { code?: string; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  return undefined;
}
