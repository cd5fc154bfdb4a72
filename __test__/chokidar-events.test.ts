/**
 * Every chokidar event from the facade, on real files: the initial scan (add/addDir before ready),
 * then change, add, addDir, unlink, unlinkDir, raw, error and all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import chokidar, { FSWatcher, watch } from '../src/chokidar/index.js';
import { makeTempDir, Recorder, waitUntil, whenReady, writeTree } from './chokidar-helpers.js';

let dir: string;
const watchers: FSWatcher[] = [];

function start(paths: string | string[], options = {}) {
  const w = watch(paths, options);
  watchers.push(w);
  return { w, rec: new Recorder(w) };
}

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('chokidar facade: events', () => {
  it('reports the existing tree with add/addDir (and stats) before ready', async () => {
    dir = makeTempDir();
    writeTree(dir, { 'a.js': '1', 'sub/b.js': '22', 'sub/deep/c.js': '333', 'empty/': '' });
    const { w, rec } = start(dir);
    await whenReady(w);
    expect(rec.lines().sort()).toEqual(
      [
        `addDir ${dir}`,
        `add ${dir}/a.js`,
        `addDir ${dir}/sub`,
        `add ${dir}/sub/b.js`,
        `addDir ${dir}/sub/deep`,
        `add ${dir}/sub/deep/c.js`,
        `addDir ${dir}/empty`,
      ].sort(),
    );
    // A directory is announced before what it contains.
    const order = rec.lines();
    expect(order.indexOf(`addDir ${dir}/sub`)).toBeLessThan(order.indexOf(`add ${dir}/sub/b.js`));
    const b = rec.events.find((e) => e.path === `${dir}/sub/b.js`)!;
    expect(b.stats?.isFile()).toBe(true);
    expect(b.stats?.size).toBe(2);
    expect(rec.events.find((e) => e.path === `${dir}/sub`)!.stats?.isDirectory()).toBe(true);
  });

  it('emits change, add, addDir, unlink and unlinkDir for live changes, with stats where chokidar gives them', async () => {
    dir = makeTempDir();
    writeTree(dir, { 'a.js': '1', 'gone/x.js': 'x', 'gone/y/z.js': 'z' });
    const { w, rec } = start(dir);
    await whenReady(w);
    rec.clear();

    fs.writeFileSync(path.join(dir, 'a.js'), 'changed');
    const change = await rec.waitFor('change', `${dir}/a.js`);
    expect(change.stats?.size).toBe(7);

    fs.writeFileSync(path.join(dir, 'new.js'), 'n');
    expect((await rec.waitFor('add', `${dir}/new.js`)).stats?.isFile()).toBe(true);

    fs.mkdirSync(path.join(dir, 'newdir'));
    fs.writeFileSync(path.join(dir, 'newdir', 'inside.js'), 'i');
    expect((await rec.waitFor('addDir', `${dir}/newdir`)).stats?.isDirectory()).toBe(true);
    await rec.waitFor('add', `${dir}/newdir/inside.js`);

    fs.unlinkSync(path.join(dir, 'new.js'));
    const unlink = await rec.waitFor('unlink', `${dir}/new.js`);
    expect(unlink.stats).toBeUndefined();

    fs.rmSync(path.join(dir, 'gone'), { recursive: true });
    await rec.waitFor('unlinkDir', `${dir}/gone`);
    await rec.waitFor('unlinkDir', `${dir}/gone/y`);
    await rec.waitFor('unlink', `${dir}/gone/x.js`);
    await rec.waitFor('unlink', `${dir}/gone/y/z.js`);
    // Each path is reported once, whatever the backend batches together.
    for (const line of new Set(rec.lines())) expect(rec.lines().filter((l) => l === line)).toHaveLength(1);
  });

  it("emits 'all' with the event name first, for every path event and never for ready/raw/error", async () => {
    dir = makeTempDir();
    writeTree(dir, { 'a.txt': '1' });
    const w = watch(dir);
    watchers.push(w);
    const all: string[] = [];
    const direct: string[] = [];
    w.on('all', (event, p) => all.push(`${event} ${p}`));
    for (const ev of ['add', 'addDir', 'change', 'unlink', 'unlinkDir'] as const) {
      w.on(ev, (p: string) => direct.push(`${ev} ${p}`));
    }
    await whenReady(w);
    fs.writeFileSync(path.join(dir, 'a.txt'), '22');
    fs.mkdirSync(path.join(dir, 'd'));
    await waitUntil(() => all.includes(`change ${dir}/a.txt`) && all.includes(`addDir ${dir}/d`), 10_000, () => all.join('\n'));
    fs.rmdirSync(path.join(dir, 'd'));
    fs.unlinkSync(path.join(dir, 'a.txt'));
    await waitUntil(() => all.includes(`unlinkDir ${dir}/d`) && all.includes(`unlink ${dir}/a.txt`), 10_000, () => all.join('\n'));
    expect(all).toEqual(direct);
    expect(all.some((l) => l.startsWith('ready') || l.startsWith('raw') || l.startsWith('error'))).toBe(false);
  });

  it("emits 'ready' once, after the initial events, also when several paths are given", async () => {
    dir = makeTempDir();
    writeTree(dir, { 'one/a': '1', 'two/b': '2' });
    const w = watch([path.join(dir, 'one'), path.join(dir, 'two'), path.join(dir, 'missing')]);
    watchers.push(w);
    const seen: string[] = [];
    w.on('all', (e, p) => seen.push(`${e} ${p}`));
    let readies = 0;
    w.on('ready', () => {
      readies++;
      seen.push('ready');
    });
    await waitUntil(() => readies > 0, 15_000, () => seen.join('\n'));
    expect(seen.at(-1)).toBe('ready');
    expect(seen).toContain(`add ${dir}/one/a`);
    expect(seen).toContain(`add ${dir}/two/b`);
    // A later add() reports its paths but does not emit ready again.
    w.add(path.join(dir, 'one', 'a'));
    fs.writeFileSync(path.join(dir, 'two', 'c'), 'c');
    await waitUntil(() => seen.includes(`add ${dir}/two/c`), 10_000, () => seen.join('\n'));
    expect(readies).toBe(1);
  });

  it("emits 'raw' with what the core reported, for every change including ignored ones", async () => {
    dir = makeTempDir();
    writeTree(dir, { 'a.js': '1' });
    const w = watch(dir, { ignored: /ignored\.txt$/ });
    watchers.push(w);
    const raws: Array<{ event: string; name: string; details: { path: string; change: string } }> = [];
    w.on('raw', (event, name, details) => raws.push({ event, name, details }));
    await whenReady(w);
    fs.writeFileSync(path.join(dir, 'ignored.txt'), 'x');
    fs.writeFileSync(path.join(dir, 'a.js'), '2');
    await waitUntil(
      () => raws.some((r) => r.details.path === `${dir}/a.js`) && raws.some((r) => r.details.path === `${dir}/ignored.txt`),
      10_000,
      () => JSON.stringify(raws),
    );
    const a = raws.find((r) => r.details.path === `${dir}/a.js`)!;
    expect(a.name).toBe('a.js');
    expect(['change', 'rename']).toContain(a.event);
    expect(['modified', 'added']).toContain(a.details.change);
  });

  it("emits 'error' for a failure, and only to a listener (no listener: one stderr line, no crash)", async () => {
    dir = makeTempDir();
    writeTree(dir, { 'a.js': '1' });
    const boom = new Error('predicate failed');
    const w = watch(dir, {
      ignored: (p: string) => {
        if (p.endsWith('bad.js')) throw boom;
        return false;
      },
    });
    watchers.push(w);
    const rec = new Recorder(w);
    const errors: Error[] = [];
    w.on('error', (e) => errors.push(e));
    await whenReady(w);
    fs.writeFileSync(path.join(dir, 'bad.js'), 'x');
    await waitUntil(() => errors.includes(boom), 10_000, () => `errors: ${errors.map(String).join(', ')}`);
    // The path whose predicate threw is still watched, as if not ignored.
    await rec.waitFor('add', `${dir}/bad.js`);
  });

  it('reports paths in the spelling they were watched with: relative stays relative', async () => {
    dir = makeTempDir();
    writeTree(dir, { 'src/a.js': '1' });
    const prev = process.cwd();
    process.chdir(dir);
    try {
      const { w, rec } = start('./src');
      await whenReady(w);
      expect(rec.lines().sort()).toEqual(['add src/a.js', 'addDir src']);
      fs.writeFileSync(path.join(dir, 'src', 'a.js'), '2');
      await rec.waitFor('change', 'src/a.js');
    } finally {
      process.chdir(prev);
    }
  });

  it('offers the default export shape of chokidar 4+ ({ watch, FSWatcher }) and a usable new FSWatcher()', async () => {
    expect(chokidar.watch).toBe(watch);
    expect(chokidar.FSWatcher).toBe(FSWatcher);
    dir = makeTempDir();
    writeTree(dir, { 'a.js': '1' });
    const w = new FSWatcher({ ignoreInitial: true });
    watchers.push(w);
    const rec = new Recorder(w);
    expect(w.add(dir)).toBe(w);
    await whenReady(w);
    expect(rec.events).toEqual([]);
    fs.writeFileSync(path.join(dir, 'b.js'), '1');
    await rec.waitFor('add', `${dir}/b.js`);
  });
});
