/**
 * The facade side by side with the real chokidar 5 and chokidar 3 (installed as devDependencies), on
 * the same temp tree at the same time: the same events for the initial scan and for a sequence of
 * edits, and the same getWatched(). Also the shape of the alias package (packages/chokidar-compat).
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as facade from '../src/chokidar/index.js';
import { makeTempDir, Recorder, REPO_ROOT, stagePackage, waitUntil, whenReady, writeTree } from './chokidar-helpers.js';

const require = createRequire(import.meta.url);

interface Lib {
  name: string;
  watch(paths: string | string[], options?: object): {
    on(event: string, fn: (...args: any[]) => void): unknown;
    once(event: string, fn: () => void): unknown;
    close(): Promise<void>;
    getWatched(): Record<string, string[]>;
  };
}

async function libs(): Promise<Lib[]> {
  const chokidar5 = (await import('chokidar')) as unknown as Lib;
  const chokidar3 = require('chokidar3') as Lib;
  return [
    { name: 'facade', watch: facade.watch as unknown as Lib['watch'] },
    { name: 'chokidar5', watch: chokidar5.watch },
    { name: 'chokidar3', watch: chokidar3.watch },
  ];
}

type Running = { name: string; w: ReturnType<Lib['watch']>; rec: Recorder };
const running: Running[] = [];
const dirs: string[] = [];

async function startAll(paths: string | string[], options: object = {}, only?: string[]): Promise<Running[]> {
  const started: Running[] = [];
  for (const lib of await libs()) {
    if (only && !only.includes(lib.name)) continue;
    const w = lib.watch(paths, options);
    const r = { name: lib.name, w, rec: new Recorder(w as never) };
    running.push(r);
    started.push(r);
  }
  await Promise.all(started.map((r) => whenReady(r.w as never)));
  return started;
}

/** "event path [stats]" lines, sorted: the order within one scan differs between implementations. */
function summary(r: Running): string[] {
  return r.rec.events.map((e) => `${e.event} ${e.path}${e.stats ? ' +stats' : ''}`).sort();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.w.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  writeTree(dir, {
    'a.js': '1',
    '.env': 'x',
    'src/b.ts': '22',
    'src/lib/c.ts': '333',
    'node_modules/pkg/index.js': 'm',
    'empty/': '',
    'target/t.txt': 't',
  });
  fs.symlinkSync(path.join(dir, 'target'), path.join(dir, 'src', 'linkdir'));
  fs.symlinkSync(path.join(dir, 'a.js'), path.join(dir, 'src', 'linkfile.js'));
  return dir;
}

describe('chokidar facade vs chokidar 5 and chokidar 3', () => {
  it('reports the same initial scan and getWatched() (absolute path, all defaults)', async () => {
    const dir = tree();
    const [f, c5, c3] = await startAll(dir);
    expect(summary(f!)).toEqual(summary(c5!));
    expect(summary(f!)).toEqual(summary(c3!));
    expect(f!.w.getWatched()).toEqual(c5!.w.getWatched());
  });

  it('reports the same initial scan with cwd, depth, ignoreInitial, followSymlinks: false and ignored', async () => {
    const dir = tree();
    const cases: object[] = [
      { cwd: dir },
      { depth: 0 },
      { depth: 1, followSymlinks: false },
      { ignored: [path.join(dir, 'node_modules'), /\.env$/] },
      { ignored: (p: string, s?: fs.Stats) => !!s?.isFile() && !p.endsWith('.ts') },
      { ignoreInitial: true },
    ];
    for (const options of cases) {
      const paths = 'cwd' in options ? '.' : dir;
      const [f, c5] = await startAll(paths, options, ['facade', 'chokidar5']);
      expect({ options, events: summary(f!) }).toEqual({ options, events: summary(c5!) });
      expect({ options, watched: f!.w.getWatched() }).toEqual({ options, watched: c5!.w.getWatched() });
      await Promise.all(running.splice(0).map((r) => r.w.close()));
    }
  });

  it('reports the same chokidar 3 glob scan as chokidar 3 (glob paths, glob ignores, relative paths)', async () => {
    const dir = tree();
    // chokidar 3 lets symlinked files bypass a glob ("src/linkfile.js" for "src/**/*.ts"): not copied.
    fs.unlinkSync(path.join(dir, 'src', 'linkfile.js'));
    const prev = process.cwd();
    process.chdir(dir);
    try {
      const [f, c3] = await startAll(['src/**/*.ts', '*.js'], { ignored: ['**/lib/**'] }, ['facade', 'chokidar3']);
      expect(summary(f!)).toEqual(summary(c3!));
      expect(summary(f!)).toEqual(['add a.js +stats', 'add src/b.ts +stats']);
    } finally {
      process.chdir(prev);
    }
  });

  it('reports the same events for a sequence of edits', async () => {
    const dir = tree();
    const all = await startAll(dir, { ignoreInitial: true });
    const p = (rel: string) => path.join(dir, rel);
    const steps: Array<[() => void, string[]]> = [
      [() => fs.writeFileSync(p('src/b.ts'), 'changed'), [`change ${p('src/b.ts')}`]],
      [() => fs.writeFileSync(p('new.js'), 'n'), [`add ${p('new.js')}`]],
      [
        () => {
          fs.mkdirSync(p('made'));
          fs.writeFileSync(p('made/inside.js'), 'i');
        },
        [`addDir ${p('made')}`, `add ${p('made/inside.js')}`],
      ],
      [
        // An editor's safe write: a temp file renamed over the original.
        () => {
          fs.writeFileSync(p('src/lib/c.ts.tmp'), 'saved');
          fs.renameSync(p('src/lib/c.ts.tmp'), p('src/lib/c.ts'));
        },
        [`change ${p('src/lib/c.ts')}`],
      ],
      [() => fs.unlinkSync(p('new.js')), [`unlink ${p('new.js')}`]],
      [() => fs.rmSync(p('made'), { recursive: true }), [`unlinkDir ${p('made')}`, `unlink ${p('made/inside.js')}`]],
      [
        () => fs.writeFileSync(p('target/t.txt'), 'seen directly and through the link'),
        [`change ${p('target/t.txt')}`, `change ${p('src/linkdir/t.txt')}`],
      ],
      [() => fs.writeFileSync(p('a.js'), 'seen directly and through the file link'), [`change ${p('a.js')}`, `change ${p('src/linkfile.js')}`]],
    ];
    const expected: string[] = [];
    for (const [act, wanted] of steps) {
      act();
      expected.push(...wanted);
      for (const r of all) {
        await waitUntil(
          () => wanted.every((w) => r.rec.lines().includes(w)),
          10_000,
          () => `${r.name} missed ${wanted.join(', ')}; has:\n${r.rec.lines().join('\n')}`,
        );
      }
    }
    // A last edit everyone reports: by then any extra event would have arrived too.
    fs.writeFileSync(p('sentinel'), 's');
    for (const r of all) await r.rec.waitFor('add', p('sentinel'));
    for (const r of all) {
      const lines = r.rec.lines().filter((l) => !l.endsWith('/sentinel') && !l.includes('.tmp'));
      expect({ lib: r.name, lines: lines.sort() }).toEqual({ lib: r.name, lines: [...expected].sort() });
    }
  });
});

describe('the alias package packages/chokidar-compat (watchfiles-chokidar)', () => {
  it('is named watchfiles-chokidar and re-exports the facade for require (chokidar 3/4 CJS shape) and import', async () => {
    const compat = path.join(REPO_ROOT, 'packages', 'chokidar-compat');
    const manifest = JSON.parse(fs.readFileSync(path.join(compat, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('watchfiles-chokidar');
    // Released together by the publish job, which refuses to publish when the two differ.
    const rootManifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(manifest.version).toBe(rootManifest.version);
    expect(manifest.dependencies['watchfiles-node']).toBe(`^${rootManifest.version}`);
    expect(manifest.main).toBe('./index.cjs');
    // Types per condition: ESM declarations for import, CommonJS ones for require (node16/nodenext).
    expect(manifest.exports['.']).toEqual({
      import: { types: './index.d.mts', default: './index.mjs' },
      require: { types: './index.d.cts', default: './index.cjs' },
    });
    expect(Object.keys(manifest.dependencies)).toEqual(['watchfiles-node']);

    // Load it for real: a node_modules with watchfiles-node (built here) next to a copy of the package.
    const root = makeTempDir();
    dirs.push(root);
    await stagePackage(path.join(root, 'node_modules', 'watchfiles-node'), false);
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules', 'picomatch'), path.join(root, 'node_modules', 'picomatch'), 'dir');
    const installed = path.join(root, 'node_modules', 'chokidar');
    fs.mkdirSync(installed);
    for (const f of manifest.files as string[]) fs.copyFileSync(path.join(compat, f), path.join(installed, f));
    fs.copyFileSync(path.join(compat, 'package.json'), path.join(installed, 'package.json'));

    const req = createRequire(path.join(root, 'index.js'));
    const cjs = req('chokidar');
    expect(typeof cjs.watch).toBe('function');
    expect(typeof cjs.FSWatcher).toBe('function');
    expect(cjs.default).toEqual({ watch: cjs.watch, FSWatcher: cjs.FSWatcher });
    expect(cjs.__esModule).toBe(true);

    const esm = await import(path.join(installed, 'index.mjs'));
    expect(typeof esm.watch).toBe('function');
    expect(esm.default.watch).toBe(esm.watch);
    expect(esm.default.FSWatcher).toBe(esm.FSWatcher);

    // And it watches.
    const dir = makeTempDir();
    dirs.push(dir);
    const w = cjs.watch(dir, { ignoreInitial: true });
    const rec = new Recorder(w);
    await whenReady(w);
    fs.writeFileSync(path.join(dir, 'x'), '1');
    await rec.waitFor('add', path.join(dir, 'x'));
    await w.close();
  });
});
