/**
 * backend: 'watchman' keeps the watcher's semantics (the cases of watch.test.ts that apply), against a
 * private watchman server this file starts and stops.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Change, watch, type WatchOptions } from '../src/index.js';
import { perTestDir, record, waitFor, withoutSentinels, write } from './helpers/fs.js';
import { ownInotifyWatches, useWatchman } from './helpers/watchman.js';

useWatchman();
const t = perTestDir();
const rec = (options: WatchOptions = {}) => record(t.dir, { backend: 'watchman', ...options });

describe('watchman backend: change kinds', () => {
  it('reports added, modified and deleted, says it is watchman and places no inotify watch here', async () => {
    const before = ownInotifyWatches();
    const file = path.join(t.dir, 'a.txt');
    t.rec = await rec();
    expect(t.rec.sub.backend).toBe('watchman');
    expect(t.rec.sub.watchCount).toBe(0);
    expect(ownInotifyWatches()).toBe(before);
    write(file, 'one');
    await t.rec.waitForPath(file, Change.added);
    fs.appendFileSync(file, 'two');
    await t.rec.waitForPath(file, Change.modified);
    fs.unlinkSync(file);
    await t.rec.waitForPath(file, Change.deleted);
    expect(withoutSentinels(t.rec.all())).toEqual([
      [Change.added, file],
      [Change.modified, file],
      [Change.deleted, file],
    ]);
    expect(ownInotifyWatches()).toBe(before);
  });

  it('reports directories with isDir', async () => {
    t.rec = await rec();
    const sub = path.join(t.dir, 'sub');
    fs.mkdirSync(sub);
    await t.rec.waitForPath(sub, Change.added);
    fs.rmdirSync(sub);
    await t.rec.waitForPath(sub, Change.deleted);
    const changes = t.rec.batches.flat().filter((c) => c.path === sub);
    expect(changes.map((c) => [c.change, c.isDir])).toEqual([
      [Change.added, true],
      [Change.deleted, true],
    ]);
  });
});

describe('watchman backend: net changes per batch', () => {
  it('add then delete is nothing; add then modify is added; delete of an old file is deleted', async () => {
    const gone = path.join(t.dir, 'gone.txt');
    const old = path.join(t.dir, 'old.txt');
    const fresh = path.join(t.dir, 'fresh.txt');
    write(old, 'v1');
    t.rec = await rec({ step: 300 });
    write(gone);
    fs.unlinkSync(gone);
    fs.unlinkSync(old);
    write(fresh, '1');
    fs.appendFileSync(fresh, '2');
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all()).sort()).toEqual(
      [
        [Change.deleted, old],
        [Change.added, fresh],
      ].sort(),
    );
  });

  it('a burst within `step` is one batch', async () => {
    t.rec = await rec({ step: 200 });
    for (let i = 0; i < 50; i++) write(path.join(t.dir, `f${i}.js`));
    await waitFor(() => t.rec!.all().length >= 50, '50 files');
    expect(t.rec.batches.length).toBe(1);
  });

  it('a directory moved within the tree reports its files at the new place and keeps watching them', async () => {
    write(path.join(t.dir, 'a', 'x.js'));
    t.rec = await rec();
    fs.renameSync(path.join(t.dir, 'a'), path.join(t.dir, 'b'));
    await t.rec.waitForPath(path.join(t.dir, 'b', 'x.js'), Change.added);
    await t.rec.waitForPath(path.join(t.dir, 'a', 'x.js'), Change.deleted);
    fs.appendFileSync(path.join(t.dir, 'b', 'x.js'), 'more');
    await t.rec.waitForPath(path.join(t.dir, 'b', 'x.js'), Change.modified);
  });
});

describe('watchman backend: bursts', () => {
  it('reports all of 5,000 files written in 50 fresh nested directories', async () => {
    t.rec = await rec();
    const made = new Set<string>();
    for (let d = 0; d < 50; d++) {
      const sub = path.join(t.dir, `d${d}`, 'nested', 'deeper');
      fs.mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 100; f++) {
        const file = path.join(sub, `f${f}.js`);
        fs.writeFileSync(file, String(f));
        made.add(file);
      }
    }
    const reported = () => new Set(t.rec!.batches.flat().filter((c) => c.change === Change.added).map((c) => c.path));
    await waitFor(() => {
      const seen = reported();
      return [...made].every((f) => seen.has(f));
    }, 'all 5,000 files reported', 20_000, 50);
    expect([...made].filter((f) => !reported().has(f))).toEqual([]);
  });

  it('1,000 files under node_modules give no event', async () => {
    fs.mkdirSync(path.join(t.dir, 'src'));
    t.rec = await rec();
    for (let i = 0; i < 1000; i++) write(path.join(t.dir, 'node_modules', `pkg${i % 20}`, `f${i}.js`));
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([]);
    const nested = path.join(t.dir, 'src', 'after.js');
    write(nested);
    await t.rec.waitForPath(nested, Change.added);
  });
});

describe('watchman backend: editor saves and reads', () => {
  it('an atomic save (temp file renamed over the original) reads as one modification of the real file', async () => {
    const target = path.join(t.dir, 'config.json');
    write(target, '{}');
    t.rec = await rec({ step: 200 });
    const tmp = path.join(t.dir, '.config.json.tmp-123');
    write(tmp, '{"a":1}');
    fs.renameSync(tmp, target);
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([[Change.modified, target]]);
  });

  it('a vim-style save never reports the swap or backup file', async () => {
    const x = path.join(t.dir, 'x');
    write(x, 'v1');
    t.rec = await rec({ step: 200 });
    write(path.join(t.dir, '.x.swp'), 'swap');
    fs.renameSync(x, path.join(t.dir, 'x~'));
    write(x, 'v2');
    fs.unlinkSync(path.join(t.dir, 'x~'));
    fs.unlinkSync(path.join(t.dir, '.x.swp'));
    await t.rec.settle(t.dir);
    // Watchman keeps no history of a name it saw deleted and created again between two results, so the
    // new x can read as added rather than modified (see the README's watchman notes): one change to x.
    const seen = withoutSentinels(t.rec.all());
    expect(seen).toHaveLength(1);
    expect(seen[0]![1]).toBe(x);
    expect([Change.added, Change.modified]).toContain(seen[0]![0]);
  });

  it('reads give no event', async () => {
    const file = path.join(t.dir, 'read-me.txt');
    write(file, 'content');
    fs.mkdirSync(path.join(t.dir, 'sub'));
    t.rec = await rec();
    for (let i = 0; i < 20; i++) {
      fs.readFileSync(file);
      fs.readdirSync(t.dir);
      fs.closeSync(fs.openSync(file, 'r'));
    }
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([]);
  });
});

describe('watchman backend: ignores', () => {
  it('default ignores and `ignore` globs keep entries out', async () => {
    t.rec = await rec({ ignore: ['*.log', 'build/**'] });
    write(path.join(t.dir, '.git', 'HEAD'));
    write(path.join(t.dir, 'debug.log'));
    write(path.join(t.dir, 'build', 'out.js'));
    write(path.join(t.dir, 'a.swp'));
    const kept = path.join(t.dir, 'kept.js');
    write(kept);
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all()).filter(([, p]) => !p.endsWith('build'))).toEqual([[Change.added, kept]]);
  });

  it('filter: null watches what the defaults would ignore; a JS filter runs after ours', async () => {
    t.rec = await rec({ filter: null });
    const nm = path.join(t.dir, 'node_modules', 'a.js');
    write(nm);
    await t.rec.waitForPath(nm, Change.added);
    await t.rec.close();
    t.rec = await rec({ filter: (_change, p) => p.endsWith('.ts') });
    write(path.join(t.dir, 'skip.js'));
    write(path.join(t.dir, 'keep.ts'));
    await t.rec.waitForPath(path.join(t.dir, 'keep.ts'));
    expect(t.rec.all().map(([, p]) => p)).not.toContain(path.join(t.dir, 'skip.js'));
  });

  it('recursive: false reports the top level only; a file root reports that file only', async () => {
    t.rec = await rec({ recursive: false });
    write(path.join(t.dir, 'deep', 'x.js'));
    const top = path.join(t.dir, 'top.js');
    write(top);
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all()).filter(([, p]) => p !== path.join(t.dir, 'deep'))).toEqual([[Change.added, top]]);
    await t.rec.close();
    t.rec = await record(top, { backend: 'watchman' });
    write(path.join(t.dir, 'other.js'));
    fs.appendFileSync(top, 'more');
    await t.rec.waitForPath(top, Change.modified);
    expect(t.rec.all().map(([, p]) => p)).toEqual([top]);
  });

  it('gitignore is refused with a clear error rather than ignored silently', async () => {
    await expect(record(t.dir, { backend: 'watchman', gitignore: true })).rejects.toThrow(TypeError);
    await expect(record(t.dir, { backend: 'watchman', gitignore: true })).rejects.toThrow(/option "gitignore" \(true\) is not supported by watchman: list the ignored paths in "ignore"/);
  });
});

describe('watchman backend: watch() and rescan', () => {
  it('watch() yields batches and ends on break', async () => {
    const file = path.join(t.dir, 'a');
    const timer = setInterval(() => write(file, String(Date.now())), 100);
    let count = 0;
    try {
      for await (const batch of watch(t.dir, { backend: 'watchman' })) {
        expect(batch.every((c) => c.path === file)).toBe(true);
        if (++count === 2) break;
      }
    } finally {
      clearInterval(timer);
    }
    expect(count).toBe(2);
  });

  it('a server recrawl is reported as a rescan batch', async () => {
    t.rec = await rec();
    const { WatchmanClient } = await import('../src/watchman/client.js');
    const client = await WatchmanClient.connect(process.env.WATCHMAN_SOCK!);
    try {
      await client.command(['debug-recrawl', t.dir]);
    } finally {
      client.close();
    }
    // The server attaches the recrawl to its next result.
    const after = path.join(t.dir, 'after-recrawl.js');
    await waitFor(() => {
      write(after, String(Date.now()));
      return t.rec!.batches.some((b) => b.rescan);
    }, 'a rescan batch', 10_000, 200);
  });
});

describe('watchman backend: process lifetime', () => {
  const fixture = path.join(__dirname, 'fixtures', 'watchman-lifetime.mjs');
  const run = (mode: string) => execFileSync(process.execPath, [fixture, t.dir, mode], { encoding: 'utf8', timeout: 15_000 });

  it('closing releases Node; persistent: false never holds it', () => {
    expect(run('close')).toBe('closed\n');
    expect(run('non-persistent')).toBe('watching\n');
  });

  it('a persistent watcher keeps the process alive until it is closed', async () => {
    const child = spawn(process.execPath, [fixture, t.dir, 'persistent'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => out.includes('watching'), 'the child to start watching');
      fs.writeFileSync(path.join(t.dir, 'wake.txt'), 'x');
      await expect(exited).resolves.toBe(0);
      expect(out).toContain(path.join(t.dir, 'wake.txt'));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
