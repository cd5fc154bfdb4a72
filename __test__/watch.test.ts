/**
 * The native watcher's semantics on real files: change kinds, coalescing, renames, bursts, ignores,
 * editor saves, reads, and the ways a watch ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Change, watch } from '../src/index.js';
import { perTestDir, record, waitFor, withoutSentinels, write } from './helpers/fs.js';

const t = perTestDir();

describe('change kinds', () => {
  it('reports added, modified and deleted with absolute paths', async () => {
    const file = path.join(t.dir, 'a.txt');
    t.rec = await record(t.dir);
    expect(t.rec.sub.backend).toBe(process.env.WATCHFILES_EXPECT_BACKEND ?? 'inotify');
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
  });

  it('reports directories with isDir', async () => {
    t.rec = await record(t.dir);
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

describe('coalescing within a batch', () => {
  it('add then delete is nothing; delete then add is modified; add then modify is added', async () => {
    const gone = path.join(t.dir, 'gone.txt');
    const back = path.join(t.dir, 'back.txt');
    const fresh = path.join(t.dir, 'fresh.txt');
    write(back, 'v1');
    t.rec = await record(t.dir, { step: 300 });
    write(gone);
    fs.unlinkSync(gone);
    fs.unlinkSync(back);
    write(back, 'v2');
    write(fresh, '1');
    fs.appendFileSync(fresh, '2');
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all()).sort()).toEqual(
      [
        [Change.modified, back],
        [Change.added, fresh],
      ].sort(),
    );
  });
});

describe('renames', () => {
  it('reports a paired rename with both paths', async () => {
    const from = path.join(t.dir, 'old.js');
    const to = path.join(t.dir, 'new.js');
    write(from);
    t.rec = await record(t.dir);
    fs.renameSync(from, to);
    const i = await t.rec.waitForPath(to, Change.added);
    const batch = t.rec.batches[i]!;
    expect(batch.find((c) => c.path === from)?.change).toBe(Change.deleted);
    expect(batch.find((c) => c.path === to)?.oldPath).toBe(from);
  });

  it('a directory moved within the tree reports its files at the new place and keeps watching them', async () => {
    write(path.join(t.dir, 'a', 'x.js'));
    t.rec = await record(t.dir);
    fs.renameSync(path.join(t.dir, 'a'), path.join(t.dir, 'b'));
    await t.rec.waitForPath(path.join(t.dir, 'b', 'x.js'), Change.added);
    expect(t.rec.all()).toContainEqual([Change.deleted, path.join(t.dir, 'a', 'x.js')]);
    fs.appendFileSync(path.join(t.dir, 'b', 'x.js'), 'more');
    await t.rec.waitForPath(path.join(t.dir, 'b', 'x.js'), Change.modified);
  });
});

describe('bursts', () => {
  it('reports all of 5,000 files written in 50 fresh nested directories', async () => {
    t.rec = await record(t.dir);
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
    // One set per probe (not one per file): the check must cost O(files), or it outlasts the watcher.
    const reported = () => new Set(t.rec!.batches.flat().filter((c) => c.change === Change.added).map((c) => c.path));
    const unreported = () => {
      const seen = reported();
      return [...made].filter((f) => !seen.has(f));
    };
    await waitFor(() => unreported().length === 0, 'all 5,000 files reported', 20_000, 50);
    const missing = unreported();
    expect(missing).toEqual([]);
  });

  it('1,000 files under node_modules cost no event and no watch', async () => {
    fs.mkdirSync(path.join(t.dir, 'src'));
    t.rec = await record(t.dir);
    const watchesBefore = t.rec.sub.watchCount;
    expect(watchesBefore).toBe(2); // the root and src
    for (let i = 0; i < 1000; i++) write(path.join(t.dir, 'node_modules', `pkg${i % 20}`, `f${i}.js`));
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([]);
    // Still watching only the root and src: a new directory under node_modules got no watch.
    const nested = path.join(t.dir, 'src', 'after.js');
    write(nested);
    await t.rec.waitForPath(nested, Change.added);
  });

  it('a file created inside a directory created a moment earlier is reported', async () => {
    t.rec = await record(t.dir);
    for (let i = 0; i < 20; i++) {
      const f = path.join(t.dir, `n${i}`, 'inner', 'file.txt');
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, 'x');
    }
    for (let i = 0; i < 20; i++) await t.rec.waitForPath(path.join(t.dir, `n${i}`, 'inner', 'file.txt'), Change.added);
  });
});

describe('editor saves and reads', () => {
  it('a vim-style save reads as one modification of the real file', async () => {
    const x = path.join(t.dir, 'x');
    write(x, 'v1');
    t.rec = await record(t.dir, { step: 200 });
    // vim: write the swap file, rename x to its backup, write x anew, delete the backup.
    write(path.join(t.dir, '.x.swp'), 'swap');
    fs.renameSync(x, path.join(t.dir, 'x~'));
    write(x, 'v2');
    fs.unlinkSync(path.join(t.dir, 'x~'));
    fs.unlinkSync(path.join(t.dir, '.x.swp'));
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([[Change.modified, x]]);
  });

  it('an atomic save (temp file renamed over the original) reads as one modification', async () => {
    const target = path.join(t.dir, 'config.json');
    write(target, '{}');
    t.rec = await record(t.dir, { step: 200 });
    const tmp = path.join(t.dir, '.config.json.tmp-123');
    write(tmp, '{"a":1}');
    fs.renameSync(tmp, target);
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([[Change.modified, target]]);
  });

  it('reads give no event', async () => {
    const file = path.join(t.dir, 'read-me.txt');
    write(file, 'content');
    fs.mkdirSync(path.join(t.dir, 'sub'));
    t.rec = await record(t.dir);
    for (let i = 0; i < 20; i++) {
      fs.readFileSync(file);
      fs.readdirSync(t.dir);
      fs.statSync(file);
      fs.closeSync(fs.openSync(file, 'r'));
    }
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([]);
  });
});

describe('ignores', () => {
  it('default ignores and `ignore` globs keep entries out', async () => {
    t.rec = await record(t.dir, { ignore: ['*.log', 'build/**'] });
    write(path.join(t.dir, '.git', 'HEAD'));
    write(path.join(t.dir, 'debug.log'));
    write(path.join(t.dir, 'build', 'out.js'));
    write(path.join(t.dir, 'a.swp'));
    const kept = path.join(t.dir, 'kept.js');
    write(kept);
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all()).filter(([, p]) => !p.endsWith('build'))).toEqual([[Change.added, kept]]);
  });

  it('filter: null watches what the defaults would ignore; a JS filter runs after the native ones', async () => {
    t.rec = await record(t.dir, { filter: null });
    const nm = path.join(t.dir, 'node_modules', 'a.js');
    write(nm);
    await t.rec.waitForPath(nm, Change.added);
    await t.rec.close();
    t.rec = await record(t.dir, { filter: (_change, p) => p.endsWith('.ts') });
    write(path.join(t.dir, 'skip.js'));
    write(path.join(t.dir, 'keep.ts'));
    await t.rec.waitForPath(path.join(t.dir, 'keep.ts'));
    expect(t.rec.all().map(([, p]) => p)).not.toContain(path.join(t.dir, 'skip.js'));
  });

  it('gitignore: true honours .gitignore files', async () => {
    fs.writeFileSync(path.join(t.dir, '.gitignore'), 'generated/\n*.tmp\n');
    t.rec = await record(t.dir, { gitignore: true });
    write(path.join(t.dir, 'generated', 'x.js'));
    write(path.join(t.dir, 'y.tmp'));
    write(path.join(t.dir, 'z.js'));
    await t.rec.settle(t.dir);
    expect(withoutSentinels(t.rec.all())).toEqual([[Change.added, path.join(t.dir, 'z.js')]]);
  });
});

describe('ending a watch', () => {
  it('abort ends the iterator', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const batch of watch(t.dir, { signal: ac.signal })) seen.push(batch.length);
      return 'ended';
    })();
    const file = path.join(t.dir, 'a');
    // The watch starts on the first next(): keep writing until a batch arrives, then abort.
    await waitFor(() => {
      write(file, String(Date.now()));
      return seen.length > 0;
    }, 'a first batch', 10_000, 100);
    ac.abort();
    await expect(loop).resolves.toBe('ended');
  });

  it('break ends the iterator and closes the watcher', async () => {
    const file = path.join(t.dir, 'a');
    let count = 0;
    const timer = setInterval(() => write(file, String(Date.now())), 100);
    try {
      for await (const _batch of watch(t.dir)) {
        if (++count === 2) break;
      }
    } finally {
      clearInterval(timer);
    }
    expect(count).toBe(2);
  });

  it('timeout with yieldOnTimeout yields an empty batch when nothing happens', async () => {
    for await (const batch of watch(t.dir, { timeout: 100, yieldOnTimeout: true })) {
      expect(batch.length).toBe(0);
      break;
    }
  });

  it('an aborted signal passed up front ends at once', async () => {
    const ac = new AbortController();
    ac.abort();
    const it = watch(t.dir, { signal: ac.signal });
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
  });
});

describe('callbacks that throw', () => {
  it('are reported to onError and do not stop the watcher', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const { subscribe } = await import('../src/index.js');
    const sub = await subscribe(
      t.dir,
      () => {
        calls++;
        throw new Error('boom');
      },
      { onError: (e) => errors.push(e) },
    );
    try {
      write(path.join(t.dir, 'one'));
      await waitFor(() => calls >= 1, 'first callback');
      write(path.join(t.dir, 'two'));
      await waitFor(() => calls >= 2, 'second callback');
      expect(errors[0]?.message).toContain('boom');
    } finally {
      await sub.close();
    }
  });
});

describe('names that are not valid UTF-8', () => {
  // Two names whose bytes differ only in a byte that is not UTF-8: as text both read "caf\uFFFD.txt".
  const rawName = (dir: string, byte: number) =>
    Buffer.concat([Buffer.from(`${dir}${path.sep}caf`), Buffer.from([byte]), Buffer.from('.txt')]);

  it('are reported with their real bytes in pathBytes, two names never merged into one', async () => {
    t.rec = await record(t.dir);
    const names = [rawName(t.dir, 0xe9), rawName(t.dir, 0xe8)];
    for (const n of names) fs.writeFileSync(n, 'x');
    await t.rec.settle(t.dir);
    const raw = t.rec.batches.flat().filter((c) => c.pathBytes);
    expect(raw).toHaveLength(2);
    for (const c of raw) {
      expect(c.change).toBe(Change.added);
      expect(c.path).toBe(path.join(t.dir, 'caf\uFFFD.txt'));
      expect(fs.existsSync(c.pathBytes!)).toBe(true);
    }
    expect(raw.map((c) => c.pathBytes!.toString('hex')).sort()).toEqual(names.map((n) => n.toString('hex')).sort());
    // Valid names carry no pathBytes.
    expect(t.rec.batches.flat().filter((c) => !c.pathBytes).every((c) => !c.path.includes('\uFFFD'))).toBe(true);
  });

  it('stay two changes when watch() merges batches queued behind a slow consumer', async () => {
    const ac = new AbortController();
    const names = [rawName(t.dir, 0xe9), rawName(t.dir, 0xe8)];
    const seen: Buffer[] = [];
    let started = false;
    const iterate = (async () => {
      for await (const batch of watch(t.dir, { signal: ac.signal, step: 10 })) {
        if (!started) {
          started = true;
          // While this consumer is busy, two batches arrive and queue; the next pull merges them.
          fs.writeFileSync(names[0]!, 'x');
          await new Promise((r) => setTimeout(r, 60));
          fs.writeFileSync(names[1]!, 'y');
          await new Promise((r) => setTimeout(r, 300));
        }
        for (const c of batch) if (c.pathBytes) seen.push(c.pathBytes);
        if (seen.length >= 2) ac.abort();
      }
    })();
    const first = path.join(t.dir, 'first.txt');
    await waitFor(() => (fs.writeFileSync(first, String(Date.now())), started), 'the watch to report a first change', 10_000);
    await waitFor(() => seen.length >= 2, 'both raw names', 10_000);
    ac.abort();
    await iterate;
    expect(seen.map((b) => b.toString('hex')).sort()).toEqual(names.map((n) => n.toString('hex')).sort());
  });
});
