/**
 * FSWatcher's methods on real files: add() (later paths, paths that appear later, chokidar 3 globs and
 * "!" negations), unwatch(), close(), getWatched(), and the EventEmitter methods on/off/once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FSWatcher, watch } from '../src/chokidar/index.js';
import { makeTempDir, Recorder, waitUntil, whenReady, writeTree } from './chokidar-helpers.js';

const dirs: string[] = [];
const watchers: FSWatcher[] = [];

function tmp(): string {
  const d = makeTempDir();
  dirs.push(d);
  return d;
}

function track(w: FSWatcher): FSWatcher {
  watchers.push(w);
  return w;
}

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('chokidar facade: add()', () => {
  it('adds directories and files after ready, reporting what they hold and then their changes', async () => {
    const dir = tmp();
    writeTree(dir, { 'one/a.js': '1', 'two/b.js': '1', 'three/c.js': '1', 'three/d.js': '1' });
    const w = track(watch(path.join(dir, 'one')));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(w.add([path.join(dir, 'two'), path.join(dir, 'three', 'c.js')])).toBe(w);
    await rec.waitFor('add', `${dir}/two/b.js`);
    await rec.waitFor('add', `${dir}/three/c.js`);
    fs.writeFileSync(path.join(dir, 'three', 'c.js'), '2');
    fs.writeFileSync(path.join(dir, 'three', 'd.js'), '2');
    fs.writeFileSync(path.join(dir, 'two', 'b.js'), '2');
    await rec.waitFor('change', `${dir}/three/c.js`);
    await rec.waitFor('change', `${dir}/two/b.js`);
    // A watched file's siblings are not part of the watch.
    expect(rec.lines().filter((l) => l.includes('d.js'))).toEqual([]);
  });

  it('watches a path that does not exist yet and reports it (and what is in it) once it appears', async () => {
    const dir = tmp();
    const w = track(watch([path.join(dir, 'later.txt'), path.join(dir, 'logs', '2024', 'app')], { ignoreInitial: true }));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(rec.events).toEqual([]);
    fs.writeFileSync(path.join(dir, 'later.txt'), 'now');
    await rec.waitFor('add', `${dir}/later.txt`);
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.mkdirSync(path.join(dir, 'logs', '2024'));
    fs.mkdirSync(path.join(dir, 'logs', '2024', 'app'));
    fs.writeFileSync(path.join(dir, 'logs', '2024', 'app', 'out.log'), 'x');
    await rec.waitFor('addDir', `${dir}/logs/2024/app`);
    await rec.waitFor('add', `${dir}/logs/2024/app/out.log`);
    // Only the watched path itself, not the directories on the way to it.
    expect(rec.has('addDir', `${dir}/logs`)).toBe(false);
    fs.writeFileSync(path.join(dir, 'logs', '2024', 'app', 'out.log'), 'y');
    await rec.waitFor('change', `${dir}/logs/2024/app/out.log`);
  });

  it('reports a watched file that is deleted and created again', async () => {
    const dir = tmp();
    writeTree(dir, { 'config.json': '{}' });
    const file = path.join(dir, 'config.json');
    const w = track(watch(file, { atomic: false }));
    const rec = new Recorder(w);
    await whenReady(w);
    fs.unlinkSync(file);
    await rec.waitFor('unlink', file);
    fs.writeFileSync(file, '{"a":1}');
    await rec.waitFor('add', file);
  });

  it('picks a watched directory up again after it is deleted and created again', async () => {
    const dir = tmp();
    writeTree(dir, { 'site/index.html': '1' });
    const site = path.join(dir, 'site');
    const w = track(watch(site, { ignoreInitial: true }));
    const rec = new Recorder(w);
    await whenReady(w);
    fs.rmSync(site, { recursive: true });
    await rec.waitFor('unlinkDir', site);
    await rec.waitFor('unlink', `${site}/index.html`);
    fs.mkdirSync(site);
    fs.writeFileSync(path.join(site, 'index.html'), '2');
    await rec.waitFor('addDir', site);
    await rec.waitFor('add', `${site}/index.html`);
    fs.writeFileSync(path.join(site, 'index.html'), '3');
    await rec.waitFor('change', `${site}/index.html`);
  });

  it('treats chokidar 3 globs as globs: only matching files are reported, directories silently walked', async () => {
    const dir = tmp();
    writeTree(dir, { 'src/a.js': '1', 'src/b.txt': '1', 'src/sub/c.js': '1', 'src/sub/d.css': '1' });
    const w = track(watch(`${dir}/src/**/*.js`));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(rec.lines().sort()).toEqual([`add ${dir}/src/a.js`, `add ${dir}/src/sub/c.js`]);
    fs.mkdirSync(path.join(dir, 'src', 'new'));
    fs.writeFileSync(path.join(dir, 'src', 'new', 'e.js'), '1');
    fs.writeFileSync(path.join(dir, 'src', 'new', 'f.txt'), '1');
    await rec.waitFor('add', `${dir}/src/new/e.js`);
    expect(rec.lines().filter((l) => l.includes('f.txt') || l.startsWith('addDir'))).toEqual([]);
  });

  it('takes a path that exists literally as written even when it looks like a glob (chokidar 4+)', async () => {
    const dir = tmp();
    writeTree(dir, { 'pages/[id]/index.js': '1' });
    const w = track(watch(path.join(dir, 'pages', '[id]')));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(rec.lines().sort()).toEqual([`add ${dir}/pages/[id]/index.js`, `addDir ${dir}/pages/[id]`]);
  });

  it('treats "!pattern" in add() as an ignore (chokidar 3)', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'a.test.js': '1' });
    const w = track(watch([dir, `!${dir}/**/*.test.js`]));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(rec.lines().sort()).toEqual([`add ${dir}/a.js`, `addDir ${dir}`]);
  });
});

describe('chokidar facade: unwatch()', () => {
  it('stops reporting a file, a directory (with what is below) and a glob; add() brings a path back', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1', 'sub/b.js': '1', 'gen/x.map': '1', 'keep.js': '1' });
    const w = track(watch(dir));
    const rec = new Recorder(w);
    await whenReady(w);
    expect(w.unwatch([path.join(dir, 'a.js'), path.join(dir, 'sub'), `${dir}/**/*.map`])).toBe(w);
    await waitUntil(() => !(w.getWatched()[dir] ?? []).includes('sub'), 5000, () => JSON.stringify(w.getWatched()));
    expect(w.getWatched()[dir]).toEqual(['gen', 'keep.js']);
    expect(w.getWatched()[`${dir}/gen`]).toEqual([]);
    rec.clear();
    fs.writeFileSync(path.join(dir, 'a.js'), '2');
    fs.writeFileSync(path.join(dir, 'sub', 'b.js'), '2');
    fs.writeFileSync(path.join(dir, 'sub', 'new.js'), '2');
    fs.writeFileSync(path.join(dir, 'gen', 'y.map'), '2');
    fs.writeFileSync(path.join(dir, 'keep.js'), 'sentinel');
    await rec.waitFor('change', `${dir}/keep.js`);
    expect(rec.lines()).toEqual([`change ${dir}/keep.js`]);

    w.add(path.join(dir, 'sub'));
    await rec.waitFor('add', `${dir}/sub/new.js`);
    fs.writeFileSync(path.join(dir, 'sub', 'b.js'), '3');
    await rec.waitFor('change', `${dir}/sub/b.js`);
  });

  it('accepts a path relative to cwd', async () => {
    const dir = tmp();
    writeTree(dir, { 'src/a.js': '1', 'src/b.js': '1' });
    const w = track(watch('src', { cwd: dir }));
    const rec = new Recorder(w);
    await whenReady(w);
    w.unwatch('src/a.js');
    rec.clear();
    fs.writeFileSync(path.join(dir, 'src', 'a.js'), '2');
    fs.writeFileSync(path.join(dir, 'src', 'b.js'), 'sentinel');
    await rec.waitFor('change', 'src/b.js');
    expect(rec.lines()).toEqual(['change src/b.js']);
  });
});

describe('chokidar facade: close()', () => {
  it('returns the same Promise every time, removes listeners and reports nothing afterwards', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const w = watch(dir);
    const rec = new Recorder(w);
    await whenReady(w);
    const p1 = w.close();
    expect(p1).toBeInstanceOf(Promise);
    expect(w.close()).toBe(p1);
    await p1;
    expect(w.closed).toBe(true);
    expect(w.listenerCount('all')).toBe(0);
    expect(w.getWatched()).toEqual({});
    // A second watcher on the same tree proves the change happened and was reportable.
    const probe = track(watch(dir, { ignoreInitial: true }));
    const probeRec = new Recorder(probe);
    await whenReady(probe);
    const before = rec.events.length;
    fs.writeFileSync(path.join(dir, 'a.js'), '2');
    await probeRec.waitFor('change', `${dir}/a.js`);
    expect(rec.events.length).toBe(before);
  });

  it('can be called before ready, and a closed watcher can be reopened with add()', async () => {
    const dir = tmp();
    writeTree(dir, { 'a.js': '1' });
    const w = track(watch(dir));
    await w.close();
    const rec = new Recorder(w);
    w.add(dir);
    await whenReady(w);
    expect(rec.has('add', `${dir}/a.js`)).toBe(true);
  });
});

describe('chokidar facade: getWatched() and EventEmitter methods', () => {
  it("getWatched() lists each watched directory's entries, and the root's parent, like chokidar", async () => {
    const dir = tmp();
    writeTree(dir, { 'src/b.js': '1', 'src/a.js': '1', 'src/lib/c.js': '1', 'empty/': '', 'solo.txt': '1' });
    const w = track(watch([path.join(dir, 'src'), path.join(dir, 'empty'), path.join(dir, 'solo.txt')]));
    await whenReady(w);
    expect(w.getWatched()).toEqual({
      [dir]: ['empty', 'solo.txt', 'src'],
      [`${dir}/src`]: ['a.js', 'b.js', 'lib'],
      [`${dir}/src/lib`]: ['c.js'],
      [`${dir}/empty`]: [],
    });
    fs.writeFileSync(path.join(dir, 'empty', 'new'), '1');
    await waitUntil(() => (w.getWatched()[`${dir}/empty`] ?? []).includes('new'), 10_000, () => JSON.stringify(w.getWatched()));
  });

  it('on/off/once behave as on any EventEmitter and chain', async () => {
    const dir = tmp();
    const w = track(watch(dir, { ignoreInitial: true }));
    const onAdds: string[] = [];
    const onceAdds: string[] = [];
    const removed: string[] = [];
    const removedListener = (p: string) => removed.push(p);
    const onAdd = (p: string) => onAdds.push(p);
    expect(w.on('add', onAdd).once('add', (p) => onceAdds.push(p)).on('add', removedListener).off('add', removedListener)).toBe(w);
    await whenReady(w);
    fs.writeFileSync(path.join(dir, 'one'), '1');
    await waitUntil(() => onAdds.length === 1, 10_000, () => onAdds.join());
    fs.writeFileSync(path.join(dir, 'two'), '2');
    await waitUntil(() => onAdds.length === 2, 10_000, () => onAdds.join());
    expect(onAdds).toEqual([`${dir}/one`, `${dir}/two`]);
    expect(onceAdds).toEqual([`${dir}/one`]);
    expect(removed).toEqual([]);
  });
});
