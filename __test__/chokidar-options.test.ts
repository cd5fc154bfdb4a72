/**
 * Every chokidar option on the facade, on real files: ignored (each matcher kind), ignoreInitial,
 * followSymlinks, cwd, depth, awaitWriteFinish, atomic, usePolling/interval/binaryInterval, alwaysStat,
 * ignorePermissionErrors and persistent; plus validation and the CHOKIDAR_* environment overrides.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FSWatcher, watch, type ChokidarOptions } from '../src/chokidar/index.js';
import { resolveChokidarOptions } from '../src/chokidar/options.js';
import { makeTempDir, Recorder, stagePackage, waitUntil, whenReady, writeTree } from './chokidar-helpers.js';

const dirs: string[] = [];
const watchers: FSWatcher[] = [];

function tmp(): string {
  const d = makeTempDir();
  dirs.push(d);
  return d;
}

async function started(paths: string | string[], options: ChokidarOptions = {}) {
  const w = watch(paths, options);
  watchers.push(w);
  const rec = new Recorder(w);
  await whenReady(w);
  return { w, rec };
}

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('chokidar facade: ignored', () => {
  it('has no default ignores: node_modules, .git and editor temp names are reported like any file', async () => {
    const dir = tmp();
    writeTree(dir, { 'node_modules/pkg/index.js': '1', '.git/HEAD': 'ref', 'coverage/x': '1' });
    const { rec } = await started(dir, { atomic: false });
    expect(rec.has('add', `${dir}/node_modules/pkg/index.js`)).toBe(true);
    expect(rec.has('add', `${dir}/.git/HEAD`)).toBe(true);
    expect(rec.has('add', `${dir}/coverage/x`)).toBe(true);
    fs.writeFileSync(path.join(dir, 'node_modules', 'pkg', 'index.js'), '2');
    await rec.waitFor('change', `${dir}/node_modules/pkg/index.js`);
  });

  it('ignores a path given as a string, with everything below it', async () => {
    const dir = tmp();
    writeTree(dir, { 'dist/out.js': '1', 'dist/deep/x.js': '1', 'src/a.js': '1' });
    const { rec } = await started(dir, { ignored: path.join(dir, 'dist') });
    expect(rec.lines().filter((l) => l.includes('/dist'))).toEqual([]);
    fs.writeFileSync(path.join(dir, 'dist', 'out.js'), '2');
    fs.writeFileSync(path.join(dir, 'dist', 'new.js'), '2');
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), 'sentinel');
    await rec.waitFor('change', `${dir}/src/a.js`);
    expect(rec.lines().filter((l) => l.includes('/dist'))).toEqual([]);
  });

  it('ignores chokidar 3 globs ("**/node_modules/**", "**/*.log")', async () => {
    const dir = tmp();
    writeTree(dir, { 'node_modules/a/i.js': '1', 'src/keep.js': '1', 'src/debug.log': '1' });
    const { rec } = await started(dir, { ignored: ['**/node_modules/**', '**/*.log'] });
    expect(rec.lines().filter((l) => l.includes('node_modules') || l.endsWith('.log'))).toEqual([]);
    fs.writeFileSync(path.join(dir, 'src', 'more.log'), 'x');
    fs.writeFileSync(path.join(dir, 'node_modules', 'a', 'i.js'), 'x');
    fs.writeFileSync(path.join(dir, 'src', 'keep.js'), 'sentinel');
    await rec.waitFor('change', `${dir}/src/keep.js`);
    expect(rec.lines().filter((l) => l.includes('node_modules') || l.endsWith('.log'))).toEqual([]);
  });

  it('ignores what a RegExp matches (nodemon\'s dotfile pattern)', async () => {
    const dir = tmp();
    writeTree(dir, { '.hidden/x': '1', '.env': '1', 'app.js': '1' });
    const { rec } = await started(dir, { ignored: /[/\\]\./ });
    expect(rec.lines().sort()).toEqual([`add ${dir}/app.js`, `addDir ${dir}`]);
    fs.writeFileSync(path.join(dir, '.env'), '2');
    fs.writeFileSync(path.join(dir, '.hidden', 'y'), '2');
    fs.writeFileSync(path.join(dir, 'app.js'), 'sentinel');
    await rec.waitFor('change', `${dir}/app.js`);
    expect(rec.lines().filter((l) => l.includes('/.'))).toEqual([]);
  });

  it('calls a function with (path) and (path, stats): the README idiom keeps only .js files', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'b.txt': '1', 'sub/c.js': '1', 'sub/d.md': '1' });
    const calls: Array<[string, boolean]> = [];
    const { rec } = await started(dir, {
      ignored: (p: string, stats?: fs.Stats) => {
        calls.push([p, stats !== undefined]);
        return !!stats?.isFile() && !p.endsWith('.js');
      },
    });
    expect(rec.lines().sort()).toEqual([`add ${dir}/a.js`, `add ${dir}/sub/c.js`, `addDir ${dir}`, `addDir ${dir}/sub`].sort());
    expect(calls.some(([p, s]) => p === `${dir}/b.txt` && !s)).toBe(true);
    expect(calls.some(([p, s]) => p === `${dir}/b.txt` && s)).toBe(true);
    fs.writeFileSync(path.join(dir, 'new.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'new.js'), 'x');
    await rec.waitFor('add', `${dir}/new.js`);
    expect(rec.has('add', `${dir}/new.txt`)).toBe(false);
  });

  it('takes arrays mixing kinds, {path, recursive} objects, and relative strings resolved against cwd', async () => {
    const dir = tmp();
    writeTree(dir, { 'gen/a.js': '1', 'tmp/b.js': '1', 'c.bak': '1', 'ok.js': '1', 'keep/k.js': '1' });
    const { rec } = await started('.', {
      cwd: dir,
      ignored: [{ path: path.join(dir, 'gen'), recursive: true }, 'tmp', /\.bak$/],
    });
    expect(rec.lines().sort()).toEqual(['add keep/k.js', 'add ok.js', 'addDir ', 'addDir keep'].sort());
  });
});

describe('chokidar facade: ignoreInitial, depth, cwd, alwaysStat', () => {
  it('ignoreInitial: no events for what exists, events for what comes', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'sub/b.js': '1' });
    const { rec } = await started(dir, { ignoreInitial: true });
    expect(rec.events).toEqual([]);
    fs.writeFileSync(path.join(dir, 'sub', 'c.js'), '1');
    await rec.waitFor('add', `${dir}/sub/c.js`);
  });

  it('depth limits how many levels below the root are walked and reported', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'l1/b.js': '1', 'l1/l2/c.js': '1', 'l1/l2/l3/d.js': '1' });
    const zero = await started(dir, { depth: 0 });
    expect(zero.rec.lines().sort()).toEqual([`add ${dir}/a.js`, `addDir ${dir}`, `addDir ${dir}/l1`].sort());
    expect(zero.w.getWatched()[`${dir}/l1`]).toEqual([]);
    const one = await started(dir, { depth: 1 });
    expect(one.rec.lines().sort()).toEqual(
      [`add ${dir}/a.js`, `addDir ${dir}`, `addDir ${dir}/l1`, `add ${dir}/l1/b.js`, `addDir ${dir}/l1/l2`].sort(),
    );
    // Changes beyond the depth stay silent; within it they are reported.
    fs.writeFileSync(path.join(dir, 'l1', 'l2', 'c.js'), '2');
    fs.writeFileSync(path.join(dir, 'l1', 'l2', 'new.js'), '2');
    fs.writeFileSync(path.join(dir, 'l1', 'b.js'), 'sentinel');
    fs.writeFileSync(path.join(dir, 'a.js'), 'sentinel');
    await one.rec.waitFor('change', `${dir}/l1/b.js`);
    await zero.rec.waitFor('change', `${dir}/a.js`);
    expect(one.rec.lines().filter((l) => l.includes('/l2/'))).toEqual([]);
    expect(zero.rec.lines().filter((l) => l.includes('/l1/'))).toEqual([]);
  });

  it('cwd: watch paths resolve against it, and event paths and getWatched() keys are relative to it', async () => {
    const dir = tmp();
    writeTree(dir, { 'src/a.js': '1' });
    const { w, rec } = await started('src', { cwd: dir });
    expect(rec.lines().sort()).toEqual(['add src/a.js', 'addDir src']);
    expect(w.getWatched()).toEqual({ '.': ['src'], src: ['a.js'] });
    fs.writeFileSync(path.join(dir, 'src', 'b.js'), '1');
    await rec.waitFor('add', 'src/b.js');
  });

  it('alwaysStat: add, addDir and change carry fs.Stats; unlink does not', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const { rec } = await started(dir, { alwaysStat: true });
    for (const e of rec.events) expect(e.stats).toBeInstanceOf(fs.Stats);
    fs.writeFileSync(path.join(dir, 'a.js'), '12345');
    expect((await rec.waitFor('change', `${dir}/a.js`)).stats?.size).toBe(5);
    fs.unlinkSync(path.join(dir, 'a.js'));
    expect((await rec.waitFor('unlink', `${dir}/a.js`)).stats).toBeUndefined();
  });
});

describe('chokidar facade: followSymlinks', () => {
  function linkedTree() {
    const dir = tmp();
    writeTree(dir, { 'src/a.js': '1', 'outside/o.js': '1' });
    fs.symlinkSync(path.join(dir, 'outside'), path.join(dir, 'src', 'link'));
    return dir;
  }

  it('true (default): a linked directory is walked and changes behind it are reported under the link', async () => {
    const dir = linkedTree();
    const { rec } = await started(path.join(dir, 'src'));
    expect(rec.has('addDir', `${dir}/src/link`)).toBe(true);
    expect(rec.has('add', `${dir}/src/link/o.js`)).toBe(true);
    fs.writeFileSync(path.join(dir, 'outside', 'o.js'), '2');
    await rec.waitFor('change', `${dir}/src/link/o.js`);
    fs.writeFileSync(path.join(dir, 'outside', 'new.js'), '2');
    await rec.waitFor('add', `${dir}/src/link/new.js`);
  });

  it('false: the link itself is reported as an entry, retargeting it is a change, its target is not walked', async () => {
    const dir = linkedTree();
    const { rec } = await started(path.join(dir, 'src'), { followSymlinks: false });
    const link = rec.events.find((e) => e.path === `${dir}/src/link`)!;
    expect(link.event).toBe('add');
    expect(link.stats?.isSymbolicLink()).toBe(true);
    expect(rec.lines().filter((l) => l.includes('o.js'))).toEqual([]);
    fs.unlinkSync(path.join(dir, 'src', 'link'));
    fs.symlinkSync(path.join(dir, 'src', 'a.js'), path.join(dir, 'src', 'link'));
    await rec.waitFor('change', `${dir}/src/link`);
  });
});

describe('chokidar facade: awaitWriteFinish and atomic', () => {
  it('awaitWriteFinish holds add until the size is stable, then emits once with the final stats', async () => {
    const dir = tmp();
    const { rec } = await started(dir, { awaitWriteFinish: { stabilityThreshold: 400, pollInterval: 50 } });
    rec.clear();
    const file = path.join(dir, 'big.bin');
    const chunk = Buffer.alloc(1024, 1);
    fs.writeFileSync(file, chunk);
    for (let i = 1; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 60));
      fs.appendFileSync(file, chunk);
    }
    const add = await rec.waitFor('add', file);
    expect(add.stats?.size).toBe(6 * 1024);
    expect(rec.lines()).toEqual([`add ${file}`]);
    // A later change is held and reported once too.
    fs.appendFileSync(file, chunk);
    expect((await rec.waitFor('change', file)).stats?.size).toBe(7 * 1024);
    expect(rec.count('change', file)).toBe(1);
  });

  it('atomic (a number of ms): an unlink followed by a re-add within the window is one change', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const w = watch(dir, { atomic: 1500 });
    watchers.push(w);
    const rec = new Recorder(w);
    const rawDeleted: string[] = [];
    w.on('raw', (_e, _n, d) => d.change === 'deleted' && rawDeleted.push(d.path));
    await whenReady(w);
    rec.clear();
    const file = path.join(dir, 'a.js');
    fs.unlinkSync(file);
    // Once the core has seen the delete (its unlink is now held), the editor writes the file back.
    await waitUntil(() => rawDeleted.includes(file), 10_000, () => 'no raw delete');
    fs.writeFileSync(file, 'saved');
    await rec.waitFor('change', file);
    expect(rec.lines()).toEqual([`change ${file}`]);
  });

  it('atomic: false reports the unlink and the add as they are', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const { rec } = await started(dir, { atomic: false });
    rec.clear();
    const file = path.join(dir, 'a.js');
    fs.unlinkSync(file);
    await rec.waitFor('unlink', file);
    fs.writeFileSync(file, 'back');
    await rec.waitFor('add', file);
    expect(rec.lines()).toEqual([`unlink ${file}`, `add ${file}`]);
  });

  it('atomic drops editor swap files (.swp, ~) like chokidar', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const { rec } = await started(dir);
    fs.writeFileSync(path.join(dir, '.a.js.swp'), 'x');
    fs.writeFileSync(path.join(dir, 'a.js~'), 'x');
    fs.writeFileSync(path.join(dir, 'a.js'), 'sentinel');
    await rec.waitFor('change', `${dir}/a.js`);
    expect(rec.lines().filter((l) => l.includes('swp') || l.endsWith('~'))).toEqual([]);
  });
});

describe('chokidar facade: polling, permissions, persistence', () => {
  it('usePolling with interval (and binaryInterval) still reports every event', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'img.png': 'p' });
    const { rec } = await started(dir, { usePolling: true, interval: 50, binaryInterval: 80 });
    fs.writeFileSync(path.join(dir, 'a.js'), '22');
    fs.writeFileSync(path.join(dir, 'img.png'), 'pp');
    await rec.waitFor('change', `${dir}/a.js`);
    await rec.waitFor('change', `${dir}/img.png`);
  });

  it('skips files their owner may not read, unless ignorePermissionErrors', async () => {
    const dir = tmp();
    writeTree(dir, { 'secret.txt': 's', 'open.txt': 'o' });
    fs.chmodSync(path.join(dir, 'secret.txt'), 0o000);
    const strict = await started(dir);
    const lenient = await started(dir, { ignorePermissionErrors: true });
    expect(strict.rec.has('add', `${dir}/open.txt`)).toBe(true);
    expect(strict.rec.has('add', `${dir}/secret.txt`)).toBe(false);
    expect(lenient.rec.has('add', `${dir}/secret.txt`)).toBe(true);
  });

  it('persistent: false lets the process exit; true keeps it alive', async () => {
    const pkg = await stagePackage(path.join(tmp(), 'pkg'), true);
    const dir = tmp();
    const script = (persistent: boolean) => `
      const { watch } = require(${JSON.stringify(path.join(pkg, 'dist', 'chokidar.cjs'))});
      const w = watch(${JSON.stringify(dir)}, { persistent: ${persistent} });
      w.on('ready', () => {
        console.log('ready');
        // Fires only if something else keeps the event loop alive.
        setTimeout(() => { console.log('alive'); w.close(); }, 300).unref();
      });`;
    const run = (persistent: boolean) =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script(persistent)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`child did not exit (persistent: ${persistent}): ${out}`));
        }, 20_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    const loose = await run(false);
    expect(loose).toEqual({ code: 0, out: 'ready\n' });
    const kept = await run(true);
    expect(kept).toEqual({ code: 0, out: 'ready\nalive\n' });
  }, 60_000);
});

describe('chokidar facade: option validation and environment', () => {
  it('applies chokidar defaults and accepts options of other chokidar versions', () => {
    const o = resolveChokidarOptions({ useFsEvents: false, disableGlobbing: false, interval: undefined } as ChokidarOptions, {});
    expect(o).toMatchObject({
      persistent: true,
      ignoreInitial: false,
      followSymlinks: true,
      usePolling: false,
      interval: 100,
      binaryInterval: 300,
      atomic: 100,
      awaitWriteFinish: false,
      alwaysStat: false,
      ignorePermissionErrors: false,
    });
    expect(resolveChokidarOptions({ usePolling: true }, {}).atomic).toBe(false);
    expect(resolveChokidarOptions({ awaitWriteFinish: true }, {}).awaitWriteFinish).toEqual({ stabilityThreshold: 2000, pollInterval: 100 });
    expect(resolveChokidarOptions({ awaitWriteFinish: { stabilityThreshold: 50 } }, {}).awaitWriteFinish).toEqual({
      stabilityThreshold: 50,
      pollInterval: 100,
    });
  });

  it('lets CHOKIDAR_USEPOLLING and CHOKIDAR_INTERVAL override the options, as chokidar does', () => {
    expect(resolveChokidarOptions({ usePolling: false }, { CHOKIDAR_USEPOLLING: '1' }).usePolling).toBe(true);
    expect(resolveChokidarOptions({ usePolling: true }, { CHOKIDAR_USEPOLLING: 'false' }).usePolling).toBe(false);
    expect(resolveChokidarOptions({ interval: 100 }, { CHOKIDAR_INTERVAL: '250' }).interval).toBe(250);
  });

  it('throws a TypeError naming the option for a wrong type, and for non-string paths', () => {
    expect(() => watch('.', { depth: -1 })).toThrow(/"depth"/);
    expect(() => watch('.', { persistent: 'yes' as unknown as boolean })).toThrow(/"persistent"/);
    expect(() => watch('.', { ignored: [42 as unknown as string] })).toThrow(/"ignored"/);
    expect(() => watch('.', { awaitWriteFinish: { pollInterval: -5 } })).toThrow(/awaitWriteFinish.pollInterval/);
    expect(() => watch('.', { atomic: 'x' as unknown as boolean })).toThrow(/"atomic"/);
    expect(() => watch('.', { interval: 0 })).toThrow(/"interval"/);
    expect(() => watch('.', { cwd: 5 as unknown as string })).toThrow(/"cwd"/);
    expect(() => watch([5 as unknown as string])).toThrow(TypeError);
  });
});
