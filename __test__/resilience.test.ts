/**
 * Never lose, never storm: VCS operations settle into one batch, roots that vanish come back, symlinks
 * are followed once, polling sees sub-second edits, and mounts without events are polled per root.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Change } from '../src/index.js';
import { perTestDir, record, removeDir, tempDir, waitFor, withoutSentinels, write, type Recorder } from './helpers/fs.js';
import { git } from './helpers/git.js';

const t = perTestDir();

/** Batches that hold at least one path under `prefix` (sentinel batches excluded). */
function batchesUnder(r: Recorder, prefix: string) {
  return r.batches.filter((b) => b.some((c) => c.path.startsWith(prefix) && !path.basename(c.path).startsWith('.sentinel-')));
}

describe('VCS settle', () => {
  /**
   * Two branches that differ in 2,000 files plus three files behind a slow smudge filter: git pauses
   * mid-checkout (as it does on hooks, LFS or a cold disk) for longer than `step`.
   */
  function checkoutRepo(): void {
    git(t.dir, 'init', '-q');
    write(path.join(t.dir, '.gitattributes'), '*.slow filter=slow\n');
    for (let i = 0; i < 2000; i++) write(path.join(t.dir, `pkg${i % 40}`, `f${i}.js`), `a${i}`);
    for (let i = 0; i < 3; i++) write(path.join(t.dir, `pkg${i * 13}`, `z${i}.slow`), `a${i}`);
    git(t.dir, 'add', '-A');
    git(t.dir, 'commit', '-qm', 'a');
    git(t.dir, 'checkout', '-qb', 'other');
    for (let i = 0; i < 2000; i++) write(path.join(t.dir, `pkg${i % 40}`, `f${i}.js`), `b${i}-changed`);
    for (let i = 0; i < 3; i++) write(path.join(t.dir, `pkg${i * 13}`, `z${i}.slow`), `b${i}`);
    git(t.dir, 'commit', '-qam', 'b');
    git(t.dir, 'checkout', '-q', 'main');
  }

  async function checkoutBatches(vcsSettle: boolean): Promise<number> {
    checkoutRepo();
    t.rec = await record(t.dir, { vcsSettle });
    git(t.dir, '-c', 'filter.slow.smudge=sleep 0.3; cat', '-c', 'filter.slow.clean=cat', 'checkout', '-q', 'other');
    await waitFor(() => new Set(t.rec!.all().map(([, p]) => p)).size >= 2003, 'all 2,003 files', 20_000, 50);
    await t.rec.settle(t.dir);
    return batchesUnder(t.rec, path.join(t.dir, 'pkg')).length;
  }

  it('a git checkout between branches that differ in 2,000 files yields exactly one batch', async () => {
    expect(await checkoutBatches(true)).toBe(1);
    const batch = batchesUnder(t.rec!, path.join(t.dir, 'pkg'))[0]!;
    expect(batch.filter((c) => c.change === Change.modified)).toHaveLength(2003);
    // Building the two-branch repo (4,000 writes, two commits) is most of the time on a busy machine.
  }, 90_000);

  it('without vcsSettle the same checkout arrives in several batches (what the settle prevents)', async () => {
    expect(await checkoutBatches(false)).toBeGreaterThan(1);
  }, 90_000);

  it('a git rebase of several commits yields one batch', async () => {
    git(t.dir, 'init', '-q');
    write(path.join(t.dir, 'base.txt'), 'base');
    git(t.dir, 'add', '-A');
    git(t.dir, 'commit', '-qm', 'base');
    git(t.dir, 'checkout', '-qb', 'feature');
    for (let c = 0; c < 5; c++) {
      for (let i = 0; i < 50; i++) write(path.join(t.dir, 'src', `c${c}-${i}.js`), `commit ${c}`);
      git(t.dir, 'add', '-A');
      git(t.dir, 'commit', '-qm', `feature ${c}`);
    }
    git(t.dir, 'checkout', '-q', 'main');
    write(path.join(t.dir, 'main.txt'), 'main moved on');
    git(t.dir, 'add', '-A');
    git(t.dir, 'commit', '-qm', 'main');
    git(t.dir, 'checkout', '-q', 'feature');

    t.rec = await record(t.dir);
    git(t.dir, 'rebase', '-q', 'main');
    await t.rec.waitForPath(path.join(t.dir, 'main.txt'), Change.added, 20_000);
    await t.rec.settle(t.dir);
    expect(batchesUnder(t.rec, t.dir)).toHaveLength(1);
  });

  it('a stale index.lock holds a batch only until vcsSettleTimeout', async () => {
    git(t.dir, 'init', '-q');
    fs.writeFileSync(path.join(t.dir, '.git', 'index.lock'), '');
    t.rec = await record(t.dir, { vcsSettleTimeout: 600 });
    const f = path.join(t.dir, 'edit.js');
    const t0 = Date.now();
    write(f);
    await t.rec.waitForPath(f, Change.added);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
  });
});

describe('roots that vanish and return', () => {
  it('reports the files of a deleted root, then resumes when it is recreated', async () => {
    const root = path.join(t.dir, 'watched');
    write(path.join(root, 'a.js'));
    write(path.join(root, 'sub', 'b.js'));
    t.rec = await record(root, { pollDelay: 50 });
    fs.rmSync(root, { recursive: true });
    await t.rec.waitForPath(path.join(root, 'sub', 'b.js'), Change.deleted);
    expect(t.rec.all()).toContainEqual([Change.deleted, path.join(root, 'a.js')]);
    write(path.join(root, 'again.js'));
    await t.rec.waitForPath(path.join(root, 'again.js'), Change.added);
    // Watching resumed natively: a later edit is seen too.
    fs.appendFileSync(path.join(root, 'again.js'), 'more');
    await t.rec.waitForPath(path.join(root, 'again.js'), Change.modified);
  });
});

describe('symlinks', () => {
  it('follows a symlinked directory, watches each real directory once, and survives a loop', async () => {
    write(path.join(t.dir, 'real', 'a.js'));
    fs.symlinkSync(path.join(t.dir, 'real'), path.join(t.dir, 'link'));
    fs.symlinkSync(t.dir, path.join(t.dir, 'real', 'loop'));
    t.rec = await record(t.dir);
    expect(t.rec.sub.watchCount).toBe(2); // the root and real/, once, whatever points at them
    write(path.join(t.dir, 'real', 'b.js'));
    await waitFor(() => t.rec!.all().some(([c, p]) => c === Change.added && p.endsWith('b.js')), 'b.js through one of its paths');
  });

  it('a symlinked directory outside the tree is watched through the link', async () => {
    const outside = tempDir('wf-outside-');
    try {
      fs.symlinkSync(outside, path.join(t.dir, 'ext'));
      t.rec = await record(t.dir);
      write(path.join(outside, 'x.js'));
      await t.rec.waitForPath(path.join(t.dir, 'ext', 'x.js'), Change.added);
    } finally {
      removeDir(outside);
    }
  });
});

describe('polling', () => {
  it('sees two same-size edits within one second (full mtime precision)', async () => {
    const f = path.join(t.dir, 'p.txt');
    write(f, 'aaaa');
    t.rec = await record(t.dir, { forcePolling: true, pollDelay: 30 });
    write(f, 'bbbb');
    await t.rec.waitForPath(f, Change.modified);
    const seen = t.rec.batches.length;
    write(f, 'cccc');
    await waitFor(() => t.rec!.batches.length > seen, 'the second edit');
    expect(withoutSentinels(t.rec.all())).toEqual([
      [Change.modified, f],
      [Change.modified, f],
    ]);
  });
});

describe('mounts the OS cannot watch', () => {
  const mounted: string[] = [];
  // This hook runs before perTestDir's, which closes the watcher: close it here first, or the unmount can
  // find the mount busy with the watcher's poll inside it.
  afterEach(async () => {
    await t.rec?.close();
    t.rec = undefined;
    for (const m of mounted.splice(0)) execFileSync('fusermount', ['-u', m], { stdio: 'ignore' });
  });

  it('a FUSE root is polled while a local root keeps native events', async () => {
    const source = path.join(t.dir, 'source');
    const mount = path.join(t.dir, 'mount');
    const local = path.join(t.dir, 'local');
    for (const d of [source, mount, local]) fs.mkdirSync(d);
    execFileSync('bindfs', [source, mount]);
    mounted.push(mount);
    t.rec = await record([mount, local], { pollDelay: 50 });
    expect(t.rec.sub.backend).toBe('inotify+poll');
    expect(t.rec.sub.pollReason).toContain('FUSE');
    // A change made behind the mount's back (in its source) sends no event through FUSE: only polling sees it.
    write(path.join(source, 'remote.js'));
    await t.rec.waitForPath(path.join(mount, 'remote.js'), Change.added);
    write(path.join(local, 'here.js'));
    await t.rec.waitForPath(path.join(local, 'here.js'), Change.added);
  });

  it('a FUSE mount inside a natively watched root is polled on its own; the rest keeps native events', async () => {
    const source = path.join(t.dir, 'source');
    const project = path.join(t.dir, 'project');
    const mount = path.join(project, 'shared');
    for (const d of [source, project, mount]) fs.mkdirSync(d);
    write(path.join(source, 'before.js'), 'old');
    execFileSync('bindfs', [source, mount]);
    mounted.push(mount);
    t.rec = await record(project, { pollDelay: 50 });
    expect(t.rec.sub.backend).toBe('inotify+poll');
    expect(t.rec.sub.pollReason).toContain(mount);
    expect(t.rec.sub.pollReason).toContain('FUSE');
    // One watch, on the project directory: the mount costs none.
    expect(t.rec.sub.watchCount).toBe(1);

    // Behind the mount's back (in its source): only polling sees these.
    write(path.join(source, 'remote.js'));
    write(path.join(source, 'before.js'), 'new, longer');
    await t.rec.waitForPath(path.join(mount, 'remote.js'), Change.added);
    await t.rec.waitForPath(path.join(mount, 'before.js'), Change.modified);
    // Beside it, OS events as before.
    write(path.join(project, 'here.js'));
    await t.rec.waitForPath(path.join(project, 'here.js'), Change.added);
    await t.rec.settle(project);
    expect(new Set(withoutSentinels(t.rec.all()).map(([c, p]) => `${Change[c]} ${path.relative(project, p)}`))).toEqual(
      new Set(['added shared/remote.js', 'modified shared/before.js', 'added here.js']),
    );
  });
});
