/**
 * watchfiles-node/typescript: `watchProject()` (tsc -w on our ts.System) with the real TypeScript
 * compiler (the devDependency) on a temp project: an edit is rebuilt, a new file is compiled, a missing
 * import that appears is picked up (tsc's failed-lookup watches), and a deleted file is reported. The
 * control runs tsc's own watch (ts.sys) on the same edit. Watch counts are compared in bench/typescript.mjs.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { createWatchSystem, FileEventKind, watchProject, type ProjectWatch } from '../src/typescript/index.js';
import { loadNative } from '../src/watch/addon.js';
import { makeTempDir, waitUntil, writeTree } from './chokidar-helpers.js';
import { inotifyInstances } from './helpers/sysctl.js';

const dirs: string[] = [];
const closers: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function project(): string {
  const dir = makeTempDir('wf-ts-');
  dirs.push(dir);
  writeTree(dir, {
    'tsconfig.json': JSON.stringify({ compilerOptions: { outDir: 'out', strict: true, target: 'es2020', module: 'commonjs', types: [] }, include: ['src'] }),
    'src/a.ts': 'export const a: number = 1;\n',
    'src/lib/b.ts': 'import { a } from "../a";\nexport const b = a + 1;\n',
  });
  return dir;
}

/** Runs a watch with status lines collected; `errors()` is the count in the last "Found N errors" line. */
function start(dir: string, system: 'ours' | 'tsc') {
  const status: string[] = [];
  const reportWatchStatus: ts.WatchStatusReporter = (d) => status.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const reportDiagnostic: ts.DiagnosticReporter = () => {};
  let watch: ProjectWatch | undefined;
  if (system === 'ours') {
    watch = watchProject(ts, path.join(dir, 'tsconfig.json'), { reportWatchStatus, reportDiagnostic });
    closers.push(() => watch!.close());
  } else {
    const host = ts.createWatchCompilerHost(path.join(dir, 'tsconfig.json'), {}, ts.sys, ts.createEmitAndSemanticDiagnosticsBuilderProgram, reportDiagnostic, reportWatchStatus);
    const program = ts.createWatchProgram(host);
    closers.push(() => program.close());
  }
  const builds = () => status.filter((s) => /^Found \d+ errors?\. Watching for file changes\./.test(s));
  return {
    watch,
    builds,
    errors: () => Number(/^Found (\d+)/.exec(builds().at(-1) ?? '')?.[1] ?? NaN),
    status,
  };
}

const out = (dir: string, rel: string) => {
  const p = path.join(dir, 'out', rel);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '';
};

describe('watchfiles-node/typescript: watchProject (tsc -w on our ts.System)', () => {
  for (const system of ['ours', 'tsc'] as const) {
    it(`${system === 'ours' ? 'ours' : "control, tsc's own watchers"}: an edit is rebuilt, a new file compiled, a missing import picked up, a deletion reported`, async () => {
      const dir = project();
      const w = start(dir, system);
      await waitUntil(() => w.builds().length === 1, 30_000, () => w.status.join('\n'));
      expect(w.errors()).toBe(0);
      await w.watch?.system.settled();

      fs.writeFileSync(path.join(dir, 'src/a.ts'), 'export const a: number = 42;\n');
      await waitUntil(() => out(dir, 'a.js').includes('42'), 15_000, () => w.status.join('\n'));

      fs.writeFileSync(path.join(dir, 'src/lib/c.ts'), 'export const c = 3;\n');
      await waitUntil(() => out(dir, 'lib/c.js').includes('3'), 15_000, () => w.status.join('\n'));

      // An import that does not resolve yet: tsc watches where it looked; creating the file fixes it.
      const builds = w.builds().length;
      fs.writeFileSync(path.join(dir, 'src/lib/b.ts'), 'import { d } from "./deep/d";\nexport const b = d;\n');
      await waitUntil(() => w.builds().length > builds && w.errors() === 1, 15_000, () => w.status.join('\n'));
      fs.mkdirSync(path.join(dir, 'src/lib/deep'));
      fs.writeFileSync(path.join(dir, 'src/lib/deep/d.ts'), 'export const d = 4;\n');
      await waitUntil(() => out(dir, 'lib/deep/d.js').includes('4') && w.errors() === 0, 15_000, () => w.status.join('\n'));

      const before = w.builds().length;
      fs.rmSync(path.join(dir, 'src/lib/deep'), { recursive: true });
      await waitUntil(() => w.builds().length > before && w.errors() === 1, 15_000, () => w.status.join('\n'));
      if (w.watch) expect(w.watch.system.watchCount).toBeGreaterThan(0);
    }, 90_000);
  }
});

describe('createWatchSystem', () => {
  it('watchFile reports Created, Changed and Deleted with the mtime; watchDirectory (flat and recursive) the paths below', async () => {
    const dir = makeTempDir('wf-ts-sys-');
    dirs.push(dir);
    const sys = createWatchSystem(ts.sys);
    closers.push(() => sys.closeWatchers());
    const fileEvents: string[] = [];
    const flat: string[] = [];
    const deep: string[] = [];
    const target = path.join(dir, 'later', 'x.ts');
    const fw = sys.watchFile(target, (name, kind, time) => fileEvents.push(`${kind} ${path.relative(dir, name)} ${time!.getTime() > 0}`));
    sys.watchDirectory(dir, (name) => flat.push(path.relative(dir, name)), false);
    sys.watchDirectory(dir, (name) => deep.push(path.relative(dir, name)), true);
    await sys.settled();

    fs.mkdirSync(path.join(dir, 'later'));
    fs.writeFileSync(target, '1');
    await waitUntil(() => fileEvents.length === 1, 10_000, () => fileEvents.join('\n'));
    fs.writeFileSync(target, '22');
    await waitUntil(() => fileEvents.length === 2, 10_000, () => fileEvents.join('\n'));
    fs.unlinkSync(target);
    await waitUntil(() => fileEvents.length === 3, 10_000, () => fileEvents.join('\n'));
    expect(fileEvents).toEqual([
      `${FileEventKind.Created} later/x.ts true`,
      `${FileEventKind.Changed} later/x.ts true`,
      `${FileEventKind.Deleted} later/x.ts false`,
    ]);
    expect(flat).toContain('later');
    expect(flat).not.toContain('later/x.ts');
    expect(deep).toContain('later/x.ts');

    // A closed watcher hears nothing more: the sentinel reaches the directory watcher only.
    fw.close();
    fs.writeFileSync(target, 'again');
    fs.writeFileSync(path.join(dir, 'sentinel'), 's');
    await waitUntil(() => deep.includes('sentinel'), 10_000, () => deep.join('\n'));
    expect(fileEvents).toHaveLength(3);
  });

  it('rejects what is not a ts.System, and a project without a tsconfig, naming the fix', () => {
    expect(() => createWatchSystem({} as never)).toThrow(/must be a ts.System/);
    const dir = makeTempDir('wf-ts-none-');
    dirs.push(dir);
    expect(() => watchProject(ts, path.join(dir, 'nope', 'tsconfig.json'))).toThrow(/no tsconfig.json at/);
  });
});

describe.runIf(process.platform === 'linux' && !!loadNative())('createWatchSystem on one watcher', () => {
  it('recursive directory watches, flat ones and file watches in other directories hold ONE inotify instance, through re-plans', async () => {
    const dir = makeTempDir('wf-ts-one-');
    dirs.push(dir);
    writeTree(dir, { 'deep/a/b.ts': '', 'flat/c.ts': '', 'files/d.ts': '', 'more/e.ts': '' });
    const before = inotifyInstances();
    const sys = createWatchSystem(ts.sys);
    closers.push(() => sys.closeWatchers());
    const deep: string[] = [];
    const flat: string[] = [];
    const files: string[] = [];
    sys.watchDirectory(path.join(dir, 'deep'), (name) => deep.push(path.relative(dir, name)), true);
    sys.watchDirectory(path.join(dir, 'flat'), (name) => flat.push(path.relative(dir, name)), false);
    sys.watchFile(path.join(dir, 'files/d.ts'), (name, kind) => files.push(`${kind} ${path.relative(dir, name)}`));
    await sys.settled();
    expect(inotifyInstances() - before).toBe(1);
    expect(sys.watchCount).toBe(4); // deep, deep/a, flat, files

    fs.writeFileSync(path.join(dir, 'deep/a/b.ts'), 'changed');
    fs.writeFileSync(path.join(dir, 'flat/new.ts'), 'new');
    fs.writeFileSync(path.join(dir, 'files/d.ts'), 'changed');
    await waitUntil(() => deep.includes('deep/a/b.ts') && flat.includes('flat/new.ts') && files.length === 1, 10_000, () => [...deep, ...flat, ...files].join('\n'));
    expect(files).toEqual([`${FileEventKind.Changed} files/d.ts`]);

    // A re-plan adds a root of each kind (a file in a new directory, a recursive watch) to the same watcher.
    sys.watchFile(path.join(dir, 'more/e.ts'), (name, kind) => files.push(`${kind} ${path.relative(dir, name)}`));
    const root: string[] = [];
    sys.watchDirectory(dir, (name) => root.push(path.relative(dir, name)), true);
    await sys.settled();
    expect(inotifyInstances() - before).toBe(1);
    expect(sys.watchCount).toBe(6); // the recursive root over all of it: dir, deep, deep/a, flat, files, more
    fs.writeFileSync(path.join(dir, 'more/e.ts'), 'changed');
    await waitUntil(() => files.length === 2 && root.includes('more/e.ts'), 10_000, () => [...root, ...files].join('\n'));
    expect(files[1]).toBe(`${FileEventKind.Changed} more/e.ts`);

    await sys.closeWatchers();
    expect(inotifyInstances()).toBe(before);
  });
});
